"""The metronome's tempo curve and the swing it drives (also in docs/data.md).

Tempo ``bpm(t)`` is piecewise linear: ``knots`` [[time_s, bpm], ...] with increasing times
starting at 0, two knots at the same time making a step. The swing phase is
``phi(t) = phase0 + pi * beats(t)`` with ``beats(t) = integral_0^t bpm(u) / 60 du``; the arm
angle is ``amplitude * sin(phi)``; a tick (one beat) sounds whenever the arm is at an
extreme, ``phi = pi/2 + m*pi``.
"""
import numpy as np


def beats_elapsed(knots, t):
    """Beats from 0 to ``t`` (seconds, array) under the piecewise-linear tempo ``knots``.

    ``knots``: [[time_s, bpm], ...] with increasing times starting at 0; two knots at the
    same time make a step; the tempo stays at the last knot's value after it."""
    k = np.asarray(knots, np.float64)
    kt, kb = k[:, 0], k[:, 1]
    t = np.asarray(t, np.float64)
    seg_len = np.diff(kt)
    slope = np.divide(np.diff(kb), seg_len, out=np.zeros_like(seg_len), where=seg_len > 0)
    cum = np.concatenate([[0.0], np.cumsum(kb[:-1] * seg_len + 0.5 * slope * seg_len ** 2)]) / 60.0
    idx = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 1)
    dt = t - kt[idx]
    last = idx == len(kt) - 1
    seg = np.minimum(idx, len(seg_len) - 1) if len(seg_len) else idx
    s = np.where(last, 0.0, slope[seg] if len(seg_len) else 0.0)
    return cum[idx] + (kb[idx] * dt + 0.5 * s * dt ** 2) / 60.0


def tempo_at(knots, t):
    """bpm at times ``t`` (the later knot's value at a step)."""
    k = np.asarray(knots, np.float64)
    t = np.asarray(t, np.float64)
    idx = np.clip(np.searchsorted(k[:, 0], t, side="right") - 1, 0, len(k) - 1)
    nxt = np.minimum(idx + 1, len(k) - 1)
    span = k[nxt, 0] - k[idx, 0]
    frac = np.divide(t - k[idx, 0], span, out=np.zeros_like(t), where=span > 0)
    return k[idx, 1] + np.clip(frac, 0, 1) * (k[nxt, 1] - k[idx, 1])


def swing_phase(knots, phase0, t):
    """Swing phase (radians, unwrapped) at ``t``: angle = amplitude * sin(phase)."""
    return phase0 + np.pi * beats_elapsed(knots, t)


def tick_times(knots, phase0, duration):
    """Times of the arm's extremes (phase = pi/2 + m*pi) in [0, duration)."""
    grid = np.arange(0.0, duration + 1e-3, 1e-3)
    phase = swing_phase(knots, phase0, grid)
    m0 = np.ceil((phase[0] - np.pi / 2) / np.pi)
    targets = np.pi / 2 + np.pi * np.arange(m0, np.floor((phase[-1] - np.pi / 2) / np.pi) + 1)
    times = np.interp(targets, phase, grid)
    return times[times < duration]


def mean_tempo(knots, start, end):
    """Average bpm over [start, end): beats in it divided by its length."""
    return float((beats_elapsed(knots, end) - beats_elapsed(knots, start)) * 60.0 / (end - start))
