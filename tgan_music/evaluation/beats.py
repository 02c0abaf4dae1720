"""Music beats and tempo from audio (librosa), or from a metronome's known ticks.

Three sources of music beats:

- ``beats``: librosa.beat.beat_track, the usual choice in the field (REFERENCE.md §5).
  On a 3-s clip it has little context, and it trims weak beats at both ends.
- ``onsets``: librosa.onset.onset_detect peaks (the audio events of AV-Align); for clicks
  every tick is an onset.
- ``ticks``: the ground truth of a synthetic metronome clip, when known.

Analysis uses a 10 ms hop so beat times are not quantised to librosa's default 32 ms.
librosa is imported where used: importing the package (config validation) stays fast.
"""
import numpy as np

from tgan_music.data.metronome import read_ground_truth
from tgan_music.errors import UserError
from tgan_music.evaluation.settings import AUDIO_BEAT_SOURCES
HOP_SECONDS = 0.01


def _hop(sample_rate):
    return max(1, int(round(HOP_SECONDS * sample_rate)))


def _mono(audio):
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 2:  # (channels, samples) or (samples, channels): the short axis is channels
        audio = audio.mean(axis=int(np.argmin(audio.shape)))
    if audio.ndim != 1:
        raise UserError(f"audio of shape {audio.shape} is not mono samples; pass one clip at a time")
    return audio


def onset_envelope(audio, sample_rate):
    import librosa
    return librosa.onset.onset_strength(y=_mono(audio), sr=sample_rate, hop_length=_hop(sample_rate))


def onset_times(audio, sample_rate):
    """Times (s) of the audio's onset peaks; none for silence."""
    audio = _mono(audio)
    if not np.any(audio):
        return np.zeros(0)
    import librosa
    hop = _hop(sample_rate)
    return librosa.onset.onset_detect(
        onset_envelope=onset_envelope(audio, sample_rate), sr=sample_rate, hop_length=hop,
        units="time").astype(np.float64)


def tracked_beats(audio, sample_rate):
    """(tempo BPM, beat times s) from librosa's dynamic-programming beat tracker."""
    audio = _mono(audio)
    if not np.any(audio):
        return float("nan"), np.zeros(0)
    import librosa
    hop = _hop(sample_rate)
    tempo, beats = librosa.beat.beat_track(
        onset_envelope=onset_envelope(audio, sample_rate), sr=sample_rate, hop_length=hop,
        units="time")
    return float(np.atleast_1d(tempo)[0]), np.asarray(beats, dtype=np.float64)


def tempo_from_beats(beat_times):
    """BPM from the median interval between consecutive beats, or NaN with fewer than 2 beats."""
    beat_times = np.sort(np.asarray(beat_times, dtype=np.float64))
    if beat_times.size < 2:
        return float("nan")
    return float(60.0 / np.median(np.diff(beat_times)))


def music_beats(audio, sample_rate, *, source="beats", ticks=None):
    """(beat times s, tempo BPM) of one clip's music from ``source`` (AUDIO_BEAT_SOURCES).

    The tempo is the beat tracker's for ``beats`` and the median beat interval otherwise."""
    if source == "ticks":
        if ticks is None:
            raise UserError("audio beats from 'ticks' need the clips' known tick times; "
                            "use evaluate.audio_beats=beats for music without ground truth")
        ticks = np.sort(np.asarray(ticks, dtype=np.float64))
        return ticks, tempo_from_beats(ticks)
    if source == "onsets":
        onsets = onset_times(audio, sample_rate)
        return onsets, tempo_from_beats(onsets)
    if source == "beats":
        tempo, beats = tracked_beats(audio, sample_rate)
        return beats, tempo
    raise UserError(f"unknown audio beat source {source!r}; allowed: {', '.join(AUDIO_BEAT_SOURCES)}")


def ticks_from_swing(tempo_bpm, phase, seconds, margin=1.0):
    """Tick times (s from the clip start) of a metronome at constant ``tempo_bpm`` whose swing
    phase at the start is ``phase`` (radians, arm angle = amplitude * sin(phase), as in
    tgan_music.data.metronome): a tick sounds at each extreme, phase = pi/2 + m*pi.
    Ticks up to ``margin`` seconds outside the clip are kept: a motion beat near an edge
    is scored against its true nearest tick."""
    rate = np.pi * tempo_bpm / 60.0  # radians per second: half a swing cycle per beat
    first = np.ceil((phase + rate * -margin - np.pi / 2) / np.pi)
    last = np.floor((phase + rate * (seconds + margin) - np.pi / 2) / np.pi)
    m = np.arange(first, last + 1)
    return (np.pi / 2 + np.pi * m - phase) / rate


def clip_ticks(row, seconds, margin=1.0):
    """Known tick times (s from the clip start) of a clip-set manifest row, or None.

    Read from the source's ground-truth JSON when it is still beside the source video (exact,
    even where the tempo changes inside the clip); else rebuilt from the row's ``tempo_bpm``
    and start ``phase`` (constant tempo assumed); None for clips without ground truth."""
    source = row.get("source")
    truth = read_ground_truth(source) if source else None
    if truth is not None and truth.get("tick_times"):
        ticks = np.asarray(truth["tick_times"], dtype=np.float64) - float(row["start"])
        return ticks[(ticks >= -margin) & (ticks <= seconds + margin)]
    if row.get("tempo_bpm") is None or row.get("phase") is None:
        return None
    return ticks_from_swing(float(row["tempo_bpm"]), float(row["phase"]), seconds, margin)
