"""Previews during training: an mp4 grid of samples with their music, and a PNG strip of frames.

For each of a few fixed music clips the grid shows the real clip (top left) next to
samples generated for its music from fixed z; the clips play one after the other with
their audio muxed in, so one can hear whether the motion follows the music. Unconditional
models get a grid of samples without audio."""
import os

import chainer
import numpy as np
from chainer.training import extension

from tgan_music.atomic import atomic_path
from tgan_music.video import frame_grid, to_uint8_frames, write_mp4


def pick_clips(n_dataset, n):
    """n example indices spread over the dataset."""
    n = max(1, min(n, n_dataset))
    return [int(i) for i in np.linspace(0, n_dataset - 1, n).round()]


def strip(rows, every):
    """(R, T, H, W, 3) uint8 -> one image: one row per video, every ``every``-th frame, 2 px gaps."""
    rows = np.asarray(rows)[:, ::every]
    r, t, h, w, c = rows.shape
    zoom = max(1, 64 // h)   # small frames are enlarged (nearest) so the strip stays readable
    if zoom > 1:
        rows = rows.repeat(zoom, axis=2).repeat(zoom, axis=3)
        h, w = h * zoom, w * zoom
    image = np.full((r * (h + 2) + 2, t * (w + 2) + 2, c), 255, np.uint8)
    for i in range(r):
        for j in range(t):
            image[2 + i * (h + 2):2 + i * (h + 2) + h, 2 + j * (w + 2):2 + j * (w + 2) + w] = rows[i, j]
    return image


def save_png(path, image):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with atomic_path(path) as tmp:
        plt.imsave(tmp, image)


class Preview(extension.Extension):
    """Writes ``preview/iter_NNNNNNNN.mp4`` and ``.png`` into the trainer's out directory."""

    priority = extension.PRIORITY_WRITER

    def __init__(self, gen, dataset, device, *, conditional, fps, clips=2, samples=3, seed=0):
        self.gen = gen
        self.dataset = dataset
        self.device = device
        self.conditional = conditional
        self.fps = fps
        self.indices = pick_clips(len(dataset), clips)
        self.samples = max(1, samples)
        rng = np.random.RandomState(seed + 7919)   # fixed z, so previews of a run are comparable
        self.z = gen.sample_z(len(self.indices) * self.samples, rng)

    def render(self):
        """(frames (T', H', W', 3) uint8, audio or None, strip image)."""
        blocks, audio, strip_rows = [], [], []
        with chainer.using_config("train", False), chainer.no_backprop_mode():
            for k, i in enumerate(self.indices):
                z = self.z[k * self.samples:(k + 1) * self.samples]
                m = None
                if self.conditional:
                    e = self.dataset.embedding(i)
                    m = self.device.send(np.repeat(e[None], self.samples, axis=0))
                    audio.append(self.dataset.audio(i))
                fake = self.gen(self.device.send(z), m).array
                videos = [to_uint8_frames(self.dataset.video(i))] + [to_uint8_frames(v) for v in fake]
                blocks.append(frame_grid(np.stack(videos)))
                strip_rows.extend(videos)
        frames = np.concatenate(blocks, axis=0)
        t = strip_rows[0].shape[0]
        image = strip(strip_rows, max(1, int(np.ceil(t / 12))))
        return frames, (np.concatenate(audio) if audio else None), image

    def __call__(self, trainer):
        out = os.path.join(trainer.out, "preview")
        os.makedirs(out, exist_ok=True)
        frames, audio, image = self.render()
        base = os.path.join(out, f"iter_{trainer.updater.iteration:08d}")
        sample_rate = self.dataset.geometry["sample_rate"] if audio is not None else None
        write_mp4(base + ".mp4", frames, self.fps, audio, sample_rate, preset="veryfast")
        save_png(base + ".png", image)
