"""Tempo of a motion signal, and how a video's tempo relates to the music's.

The video's tempo is the dominant period of its motion signal: the peak of the periodogram
(Hann window, zero-padded to a fine frequency grid) within a BPM range. A motion beat is a
minimum of the speed, and a swinging arm stops at both ends of its swing, so the speed has
one minimum per beat: the motion signal's fundamental frequency is the beat rate itself
(BPM / 60 Hz), not half of it. A 3-s clip holds few periods, so the periodogram (whose
peak is located to a fraction of a bin) beats integer autocorrelation lags, which at 12 fps
are 1 frame = 17 % of a beat at 120 BPM.

A tempo agrees when within +-4 % or +-8 % of the music's; twice/half/three times/a third
of it are octave errors, counted apart (MIREX's tempo conventions).
"""
import numpy as np

from tgan_music.evaluation.settings import DEFAULT

# Tempo relations counted apart from agreement: name -> factor of the reference tempo.
OCTAVE_RELATIONS = {"double": 2.0, "half": 0.5, "triple": 3.0, "third": 1.0 / 3.0}


def bpm_range(fps, min_bpm=DEFAULT.min_bpm, max_bpm=DEFAULT.max_bpm):
    """The searchable BPM range at ``fps``: below 90 % of the motion signal's Nyquist rate."""
    nyquist_bpm = 60.0 * fps / 2.0
    return float(min_bpm), float(min(max_bpm, 0.9 * nyquist_bpm))


def dominant_tempo(values, rate, *, min_bpm=DEFAULT.min_bpm, max_bpm=DEFAULT.max_bpm, padded_length=8192):
    """The BPM of the strongest periodicity of ``values`` sampled at ``rate`` Hz, or NaN.

    NaN when the signal is constant or too short (fewer than 4 samples)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 4 or np.ptp(values) == 0:
        return float("nan")
    low, high = bpm_range(rate, min_bpm, max_bpm)
    centred = (values - values.mean()) * np.hanning(values.size + 2)[1:-1]
    spectrum = np.abs(np.fft.rfft(centred, n=max(padded_length, values.size))) ** 2
    bpm = np.fft.rfftfreq(max(padded_length, values.size), d=1.0 / rate) * 60.0
    band = (bpm >= low) & (bpm <= high)
    if not band.any():
        return float("nan")
    return float(bpm[band][np.argmax(spectrum[band])])


def relative_error(estimated_bpm, reference_bpm):
    return abs(estimated_bpm / reference_bpm - 1.0)


def tempo_relation(estimated_bpm, reference_bpm, *, tolerance=0.08):
    """'match', one of OCTAVE_RELATIONS, 'other', or 'none' (no estimate) at ``tolerance``."""
    if not np.isfinite(estimated_bpm) or not np.isfinite(reference_bpm) or reference_bpm <= 0:
        return "none"
    if relative_error(estimated_bpm, reference_bpm) <= tolerance:
        return "match"
    for name, factor in OCTAVE_RELATIONS.items():
        if relative_error(estimated_bpm, factor * reference_bpm) <= tolerance:
            return name
    return "other"


def tempo_agreement(estimated_bpm, reference_bpm):
    """Per-clip tempo metrics (each 0 or 1, so their means over clips are rates).

    ``tempo_acc4``/``tempo_acc8``: within 4 %/8 %; ``tempo_<relation>``: an octave error
    within 8 %; ``tempo_other``: none of these (a missing estimate counts as other)."""
    relation = tempo_relation(estimated_bpm, reference_bpm, tolerance=0.08)
    scores = {
        "tempo_acc4": float(relation == "match"
                            and relative_error(estimated_bpm, reference_bpm) <= 0.04),
        "tempo_acc8": float(relation == "match"),
    }
    for name in OCTAVE_RELATIONS:
        scores[f"tempo_{name}"] = float(relation == name)
    scores["tempo_other"] = float(relation in ("other", "none"))
    return scores
