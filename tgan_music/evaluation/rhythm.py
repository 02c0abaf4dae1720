"""Alignment of motion beats with music beats: BAS (two variants), AV-Align, phase error.

All times are seconds from the clip's first frame. ``span`` (start, end) is the stretch of the
clip where a motion beat can be found at all (between the motion signal's first and last
samples); music beats outside it are left out where they would be counted as misses, so
a tick at the very first frame does not count against a perfect video.
"""
import numpy as np


def _times(x):
    return np.sort(np.asarray(x, dtype=np.float64).ravel())


def _within(times, span):
    if span is None:
        return times
    return times[(times >= span[0]) & (times <= span[1])]


def _nearest_distance(points, targets):
    """For each point, the distance to the nearest target (targets sorted, non-empty)."""
    index = np.clip(np.searchsorted(targets, points), 1, targets.size - 1) if targets.size > 1 else None
    if index is None:
        return np.abs(points - targets[0])
    return np.minimum(np.abs(points - targets[index - 1]), np.abs(points - targets[index]))


def _gaussian_hits(points, targets, sigma):
    if points.size == 0:
        return float("nan")
    if targets.size == 0:
        return 0.0
    distance = _nearest_distance(points, targets)
    return float(np.mean(np.exp(-distance ** 2 / (2.0 * sigma ** 2))))


def bas_fact(motion_beats, music_beats, sigma):
    """Beat Alignment Score of FACT/AIST++: mean over motion beats of exp(-d^2 / 2 sigma^2),
    d the distance to the nearest music beat. 0 when the video has no motion beats (it
    does not move to anything); ``sigma`` in seconds."""
    motion_beats, music_beats = _times(motion_beats), _times(music_beats)
    if motion_beats.size == 0:
        return 0.0
    return _gaussian_hits(motion_beats, music_beats, sigma)


def bas_bailando(motion_beats, music_beats, sigma, span=None):
    """Bailando's Beat Alignment Score: the same Gaussian averaged over music beats (those in
    ``span``), d the distance to the nearest motion beat. NaN when no music beat is in span."""
    music_beats = _within(_times(music_beats), span)
    return _gaussian_hits(music_beats, _times(motion_beats), sigma)


def matched_pairs(a, b, window):
    """Number of one-to-one pairs (closest first) of events of ``a`` and ``b`` closer than ``window``."""
    a, b = _times(a), _times(b)
    if a.size == 0 or b.size == 0:
        return 0
    distance = np.abs(a[:, None] - b[None, :])
    candidates = np.argwhere(distance < window)
    order = np.argsort(distance[candidates[:, 0], candidates[:, 1]], kind="stable")
    used_a, used_b, hits = set(), set(), 0
    for i, j in candidates[order]:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            hits += 1
    return hits


def av_align(audio_events, video_events, fps, span=None):
    """AV-Align (TempoTokens): an audio and a video event closer than one frame are a hit;
    score = hits / (|A| + |V| - hits), an intersection over union in [0, 1]. Events are
    matched one to one, so the score stays a true IoU. NaN when there are no events at all."""
    audio_events = _within(_times(audio_events), span)
    video_events = _times(video_events)
    union_size = audio_events.size + video_events.size
    if union_size == 0:
        return float("nan")
    hits = matched_pairs(audio_events, video_events, 1.0 / fps)
    return hits / (union_size - hits)


def beat_phases(events, ticks):
    """Phase of each event within the tick interval around it, in beats, wrapped to [-0.5, 0.5).

    Intervals are taken from the ticks themselves, so a changing tempo is followed; before
    the first and after the last tick the nearest interval is extended."""
    events, ticks = _times(events), _times(ticks)
    if ticks.size < 2 or events.size == 0:
        return np.zeros(0)
    k = np.clip(np.searchsorted(ticks, events, side="right") - 1, 0, ticks.size - 2)
    phase = (events - ticks[k]) / (ticks[k + 1] - ticks[k])
    return (phase + 0.5) % 1.0 - 0.5


def phase_error(motion_beats, ticks):
    """Circular phase of motion beats against a metronome's ticks, in fractions of a beat.

    Returns ``phase_offset`` (signed circular mean, [-0.5, 0.5)), ``phase_error`` (its absolute
    value: 0 on the beat, 0.5 on the off-beat; uniformly random phases give 0.25 on average)
    and ``phase_consistency`` (the mean resultant length: 1 when every beat has the same
    phase, near 0 when phases scatter). NaN where there are no motion beats or < 2 ticks."""
    phases = beat_phases(motion_beats, ticks)
    if phases.size == 0:
        nan = float("nan")
        return {"phase_offset": nan, "phase_error": nan, "phase_consistency": nan}
    resultant = np.mean(np.exp(2j * np.pi * phases))
    offset = float(np.angle(resultant) / (2 * np.pi))
    offset = (offset + 0.5) % 1.0 - 0.5
    return {"phase_offset": offset, "phase_error": abs(offset),
            "phase_consistency": float(np.abs(resultant))}
