"""Signals with known beats: a rendered pendulum (ticks at the ends of its swing) and clicks."""
import numpy as np
import pytest


def render_pendulum(tempo_bpm, *, fps=12, frames=36, height=96, width=128, first_tick=0.0,
                    amplitude_degrees=35.0, noise=0.0, seed=0):
    """uint8 (frames, H, W, 3): an arm pivoting at the bottom centre, at an end of its swing at
    ``first_tick + k * 60 / tempo_bpm`` seconds (one swing from end to end per beat)."""
    period = 60.0 / tempo_bpm
    t = np.arange(frames) / fps
    angle = np.deg2rad(amplitude_degrees) * np.cos(np.pi * (t - first_tick) / period)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    pivot = np.array([height - 8.0, width / 2.0])
    length, half_width = 0.8 * height, 2.0
    video = np.empty((frames, height, width, 3), dtype=np.float64)
    for k, a in enumerate(angle):
        direction = np.array([-np.cos(a), np.sin(a)])
        py, px = yy - pivot[0], xx - pivot[1]
        along = np.clip(py * direction[0] + px * direction[1], 0, length)
        dist = np.hypot(py - along * direction[0], px - along * direction[1])
        arm = np.clip(half_width + 0.5 - dist, 0.0, 1.0)  # antialiased edge
        video[k] = 0.15 + 0.8 * arm[..., None]
    if noise:
        video += np.random.default_rng(seed).normal(0, noise, video.shape)
    return (np.clip(video, 0, 1) * 255).round().astype(np.uint8)


def tick_times(tempo_bpm, duration, first_tick=0.0):
    period = 60.0 / tempo_bpm
    start = first_tick - np.floor(first_tick / period) * period
    return np.arange(start, duration, period)


def click_track(ticks, duration, sample_rate=16000, frequency=1000.0):
    """float32 mono: a 30 ms decaying sine burst at each tick time."""
    audio = np.zeros(int(round(duration * sample_rate)), dtype=np.float32)
    burst_t = np.arange(int(0.03 * sample_rate)) / sample_rate
    burst = (np.sin(2 * np.pi * frequency * burst_t) * np.exp(-burst_t / 0.006)).astype(np.float32)
    for tick in ticks:
        i = int(round(tick * sample_rate))
        n = min(burst.size, audio.size - i)
        if n > 0:
            audio[i:i + n] += 0.8 * burst[:n]
    return audio


@pytest.fixture
def pendulum():
    return render_pendulum


@pytest.fixture
def ticks():
    return tick_times


@pytest.fixture
def clicks():
    return click_track
