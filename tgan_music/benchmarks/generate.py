"""`tgan-music bench generate`: seconds of music video produced per wall-clock second.

Runs the whole `generate` path (audio decoding, music embedding, generator over the windows,
stitching, H.264/AAC encoding, contact sheet) on a synthetic click track, for

- the small CPU model: the shipped model (tgan_music/assets/model), and
- the full-size model: experiments/seed_conditional.yaml (36x96x128, TGAN's widths) with
  random weights (speed does not depend on them) and librosa embeddings, since the real
  NSynth checkpoint cannot be downloaded here; the NSynth encoder's own cost on the same
  song is timed apart (random weights) and folded into a second full-size figure.

Final line: the figures.
"""
import os
import tempfile
import time

from tgan_music.arguments import add_device_argument
from tgan_music.config import dump_config, load_config
from tgan_music.device import select_device

HELP = "seconds of video generated per wall-clock second"
FULL_SIZE_CONFIG = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "experiments", "seed_conditional_librosa.yaml")


def add_arguments(parser):
    parser.add_argument("--seconds", type=float, default=30.0, help="song length in seconds (default 30)")
    parser.add_argument("--full-config", default=FULL_SIZE_CONFIG, help="config of the full-size model")
    parser.add_argument("--skip-full", action="store_true", help="time the small model only")
    add_device_argument(parser)


def click_track(path, seconds, bpm=120.0, rate=44100):
    import numpy as np   # heavy: not at the top, so that `tgan-music --help` stays fast
    import soundfile
    audio = np.zeros(int(seconds * rate), np.float32)
    t = np.arange(400) / rate
    for tick in np.arange(0, seconds, 60.0 / bpm):
        n = int(tick * rate)
        audio[n:n + 400] += (0.8 * np.sin(2 * np.pi * 1500 * t))[:len(audio) - n]
    soundfile.write(path, np.stack([audio, audio], axis=1), rate)
    return path


def random_model(config_path, out_dir):
    """A model directory (config, random generator weights, unit music statistics) of a config."""
    import chainer
    import numpy as np

    # heavy (chainer): `--help` imports this module (through cli/bench.py);
    # model/ is chainer's (build.py alone imports nothing heavy yet)
    from tgan_music.generation.model import GENERATOR_FILE
    from tgan_music.model.build import build_networks
    config = load_config(config_path)
    gen, _ = build_networks(config)
    os.makedirs(out_dir, exist_ok=True)
    chainer.serializers.save_npz(os.path.join(out_dir, GENERATOR_FILE), gen)
    dump_config(config, os.path.join(out_dir, "config.yaml"))
    dims = config["embedding"]["dims"]
    np.savez(os.path.join(out_dir, "embedding_stats.npz"), mean=np.zeros(dims, np.float32),
             std=np.ones(dims, np.float32))
    return out_dir


def time_generate(song, model, out, device):
    from tgan_music.generation.music_video import generate_music_video
    start = time.perf_counter()
    report = generate_music_video(song, out, model=model, device=device, show_progress=False, log=lambda s: None)
    return time.perf_counter() - start, report[0]


def run(args):
    import numpy as np

    device = select_device(args.device)
    label = "CPU" if device.xp is np else str(device)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        song = click_track(os.path.join(tmp, "song.wav"), args.seconds)
        took, rep = time_generate(song, None, os.path.join(tmp, "small.mp4"), device)
        g = rep["seconds"] / took
        print(f"small model (shipped, {rep['frames']} frames): {rep['seconds']:.1f} s of video in {took:.2f} s "
              f"= {g:.2f}x real time")
        figures.append(f"small_x_realtime={g:.2f}")
        if not args.skip_full:
            model = random_model(args.full_config, os.path.join(tmp, "full"))
            took, rep = time_generate(song, model, os.path.join(tmp, "full.mp4"), device)
            f = rep["seconds"] / took
            print(f"full-size model ({os.path.basename(args.full_config)}, librosa music): {rep['seconds']:.1f} s "
                  f"in {took:.2f} s = {f:.2f}x real time")
            from tgan_music.audio import load_audio
            from tgan_music.embedding.nsynth import NSynthEncoder
            enc = NSynthEncoder(seed=0)
            audio = load_audio(song, 16000)
            t0 = time.perf_counter()
            enc.encode(audio)
            nsynth = time.perf_counter() - t0
            with_nsynth = rep["seconds"] / (took + nsynth)
            print(f"  NSynth encoding of the same song: {nsynth:.2f} s; full size with NSynth music: "
                  f"{with_nsynth:.2f}x real time")
            figures += [f"full_x_realtime={f:.2f}", f"full_nsynth_x_realtime={with_nsynth:.2f}"]
    print(f"bench generate ({label}, {args.seconds:.0f} s song): " + " ".join(figures))
    return 0
