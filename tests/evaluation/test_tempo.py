"""Dominant tempo of a signal and the tempo agreement / octave error classes."""
import numpy as np
import pytest

from tgan_music.evaluation import tempo


@pytest.mark.parametrize("bpm", [45.0, 90.0, 137.0, 200.0])
def test_dominant_tempo_of_a_speed_signal(bpm):
    # The speed of a swinging arm, |sin(pi t / beat)|: its fundamental is the beat rate.
    t = np.arange(1, 35) / 12
    values = np.abs(np.sin(np.pi * t * bpm / 60 + 0.3))
    assert tempo.dominant_tempo(values, 12) == pytest.approx(bpm, rel=0.02)


def test_dominant_tempo_of_a_constant_is_nan():
    assert np.isnan(tempo.dominant_tempo(np.ones(30), 12))


@pytest.mark.parametrize("estimate, relation", [
    (120.0, "match"), (127.0, "match"), (131.0, "other"), (240.0, "double"), (60.0, "half"),
    (362.0, "triple"), (40.5, "third"), (float("nan"), "none"), (90.0, "other")])
def test_tempo_relation(estimate, relation):
    assert tempo.tempo_relation(estimate, 120.0) == relation


def test_tempo_agreement_counts_each_clip_once():
    within_4 = tempo.tempo_agreement(124.0, 120.0)
    within_8 = tempo.tempo_agreement(128.0, 120.0)
    doubled = tempo.tempo_agreement(236.0, 120.0)
    assert (within_4["tempo_acc4"], within_4["tempo_acc8"]) == (1.0, 1.0)
    assert (within_8["tempo_acc4"], within_8["tempo_acc8"]) == (0.0, 1.0)
    assert doubled["tempo_double"] == 1.0 and doubled["tempo_acc8"] == 0.0
    for scores in (within_4, within_8, doubled, tempo.tempo_agreement(95.0, 120.0)):
        exclusive = [v for k, v in scores.items() if k != "tempo_acc4"]
        assert sum(exclusive) == 1.0


def test_bpm_range_stays_below_nyquist():
    low, high = tempo.bpm_range(12)
    assert low == 30.0 and high == 300.0  # 90 % of Nyquist (324) is above the 300 cap
    assert tempo.bpm_range(8)[1] == pytest.approx(216.0)
