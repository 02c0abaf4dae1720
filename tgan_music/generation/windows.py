"""Splitting a song into clip-length windows, each conditioned on its own music.

A model makes clips of ``frames`` frames at ``fps`` (36 at 12 fps = 3 s), trained on
clips whose audio covers exactly the same interval. A song is cut into windows that
start every ``frames - overlap`` frames; window w covers frames
[w * hop, w * hop + frames) and the audio samples of exactly that interval, so a frame
k of the output is shown at k / fps, the same time as sample k / fps * rate of the song.
Overlapping frames are cross-faded, which hides the seams between windows.
"""
import math

import numpy as np

# Frames by which consecutive windows overlap and cross-fade, unless told otherwise (`generate --overlap`).
OVERLAP_FRAMES = 4


class WindowPlan:
    """Where each window starts (in frames and samples) for a song of ``n_samples``."""

    def __init__(self, n_samples, sample_rate, fps, frames, overlap=0):
        if not 0 <= overlap < frames:
            raise ValueError(f"overlap must be in [0, {frames}), got {overlap}")
        self.sample_rate, self.fps, self.frames, self.overlap = sample_rate, fps, frames, overlap
        self.hop = frames - overlap
        self.duration = n_samples / sample_rate
        # Output frames: the song's duration at fps (at least one).
        self.total_frames = max(1, int(round(self.duration * fps)))
        self.count = max(1, math.ceil(max(self.total_frames - overlap, 1) / self.hop))
        self.clip_samples = int(round(frames / fps * sample_rate))

    def sample_start(self, w):
        return int(round(w * self.hop / self.fps * self.sample_rate))

    def starts(self, sample_rate=None):
        """Each window's first sample, at ``sample_rate`` (default: the plan's)."""
        scale = 1.0 if sample_rate is None else sample_rate / self.sample_rate
        return [int(round(self.sample_start(w) * scale)) for w in range(self.count)]

    def window_audio(self, audio):
        """(count, clip_samples) float32: each window's audio, zero-padded past the song's end."""
        out = np.zeros((self.count, self.clip_samples), np.float32)
        for w in range(self.count):
            s = self.sample_start(w)
            piece = audio[s:s + self.clip_samples]
            out[w, :len(piece)] = piece
        return out

    def stitch(self, clips):
        """(count, frames, H, W, C) float -> (total_frames, H, W, C), cross-fading overlaps linearly."""
        clips = np.asarray(clips, np.float32)
        length = (self.count - 1) * self.hop + self.frames
        out = np.zeros((length,) + clips.shape[2:], np.float32)
        weight = np.zeros(length, np.float32)
        ramp = np.ones(self.frames, np.float32)
        if self.overlap:
            fade = (np.arange(1, self.overlap + 1, dtype=np.float32)) / (self.overlap + 1)
            ramp[:self.overlap] = fade
            ramp[-self.overlap:] = fade[::-1]
        for w, clip in enumerate(clips):
            r = ramp.copy()
            if w == 0:
                r[:self.overlap] = 1
            if w == self.count - 1:
                r[self.frames - self.overlap:] = 1
            s = w * self.hop
            out[s:s + self.frames] += clip * r[:, None, None, None]
            weight[s:s + self.frames] += r
        out /= weight[:, None, None, None]
        return out[:self.total_frames]
