"""Music beats from audio (clicks at known times) and known ticks of metronome clips."""
import numpy as np
import pytest

from tgan_music.data.metronome import tick_times as metronome_tick_times
from tgan_music.evaluation import beats


def test_onsets_of_a_click_track_are_the_ticks(ticks, clicks):
    truth = ticks(137.0, 3.0, 0.12)
    onsets = beats.onset_times(clicks(truth, 3.0), 16000)
    assert len(onsets) == len(truth)
    np.testing.assert_allclose(onsets, truth, atol=0.021)  # two 10 ms analysis hops
    assert beats.tempo_from_beats(onsets) == pytest.approx(137.0, rel=0.02)


def test_beat_tracker_finds_the_click_tempo(ticks, clicks):
    truth = ticks(120.0, 3.0, 0.05)
    found, tempo = beats.music_beats(clicks(truth, 3.0), 16000, source="beats")
    assert tempo == pytest.approx(120.0, rel=0.04)
    assert np.all([np.min(np.abs(truth - b)) < 0.05 for b in found])


def test_silence_has_no_beats():
    silence = np.zeros(48000, np.float32)
    assert beats.onset_times(silence, 16000).size == 0
    found, tempo = beats.music_beats(silence, 16000, source="beats")
    assert found.size == 0 and np.isnan(tempo)


def test_ticks_source_needs_ticks():
    from tgan_music.errors import UserError
    with pytest.raises(UserError, match="ticks"):
        beats.music_beats(np.zeros(100, np.float32), 16000, source="ticks")


@pytest.mark.parametrize("bpm, phase", [(72.0, 0.4), (150.0, 4.0), (208.0, 6.2)])
def test_ticks_from_swing_match_the_synthesizer(bpm, phase):
    # The synthesizer's ticks of a constant tempo, seen from a clip starting at 2 s.
    knots = [[0.0, bpm], [10.0, bpm]]
    start = 2.0
    phase_at_start = phase + np.pi * bpm / 60 * start
    expected = metronome_tick_times(knots, phase, 10.0) - start
    expected = expected[(expected >= 0) & (expected < 3.0)]
    rebuilt = beats.ticks_from_swing(bpm, phase_at_start % (2 * np.pi), 3.0, margin=0.0)
    np.testing.assert_allclose(rebuilt, expected, atol=2e-3)  # the synthesizer interpolates on 1 ms


def test_clip_ticks_prefers_the_ground_truth_file(tmp_path):
    import json
    from tgan_music.data.metronome import GROUND_TRUTH_FORMAT
    (tmp_path / "m.json").write_text(json.dumps({"format": GROUND_TRUTH_FORMAT,
                                                 "tick_times": [0.5, 1.2, 3.4, 3.9, 9.0]}))
    row = {"source": str(tmp_path / "m.mp4"), "start": 3.0, "tempo_bpm": 100.0, "phase": 0.0}
    np.testing.assert_allclose(beats.clip_ticks(row, 3.0, margin=1.0), [0.4, 0.9])
    row["source"] = str(tmp_path / "gone.mp4")  # no ground truth: rebuilt from tempo and phase
    np.testing.assert_allclose(beats.clip_ticks(row, 3.0, margin=0.0), [0.3, 0.9, 1.5, 2.1, 2.7])
    assert beats.clip_ticks({"start": 0.0, "tempo_bpm": None, "phase": None}, 3.0) is None
