"""BAS (both variants), AV-Align and phase error on beat lists with known answers."""
import numpy as np
import pytest

from tgan_music.evaluation import rhythm


def test_bas_is_one_for_perfectly_aligned_beats():
    beats = np.arange(0.25, 3.0, 0.5)
    assert rhythm.bas_fact(beats, beats, 0.05) == pytest.approx(1.0)
    assert rhythm.bas_bailando(beats, beats, 0.05) == pytest.approx(1.0)


def test_bas_is_the_gaussian_of_a_known_offset():
    music = np.arange(0.0, 3.0, 0.5)
    motion = music[1:-1] + 0.03
    expected = np.exp(-0.03 ** 2 / (2 * 0.05 ** 2))
    assert rhythm.bas_fact(motion, music, 0.05) == pytest.approx(expected)
    # Bailando averages over music beats: the two unmatched end beats are far from any motion beat.
    far = np.exp(-0.47 ** 2 / (2 * 0.05 ** 2))
    assert rhythm.bas_bailando(motion, music, 0.05) == pytest.approx((4 * expected + 2 * far) / 6)


def test_bas_variants_differ_with_extra_motion_beats():
    music = np.array([0.5, 1.5, 2.5])
    motion = np.array([0.5, 1.0, 1.5, 2.0, 2.5])  # every music beat hit, plus off-beats
    assert rhythm.bas_bailando(motion, music, 0.05) == pytest.approx(1.0)
    assert rhythm.bas_fact(motion, music, 0.05) == pytest.approx(3 / 5, abs=1e-6)


def test_bas_without_motion_beats_is_zero_and_span_drops_unreachable_music_beats():
    assert rhythm.bas_fact([], [0.5, 1.0], 0.05) == 0.0
    assert rhythm.bas_bailando([], [0.5, 1.0], 0.05) == 0.0
    assert rhythm.bas_bailando([1.0], [0.0, 1.0], 0.05, span=(0.08, 2.9)) == pytest.approx(1.0)


def test_av_align_is_an_iou_of_matched_events():
    audio = [0.5, 1.0, 1.5, 2.0]
    video = [0.52, 1.03, 1.7, 2.6]  # two within one frame (1/12 s), two not
    assert rhythm.av_align(audio, video, fps=12) == pytest.approx(2 / (4 + 4 - 2))
    assert rhythm.av_align(audio, audio, fps=12) == pytest.approx(1.0)
    # Two video events near one audio event: one hit only (one-to-one), so the IoU stays <= 1.
    assert rhythm.av_align([1.0], [0.98, 1.02], fps=12) == pytest.approx(1 / 2)


@pytest.mark.parametrize("shift, expected", [(0.1, 0.1), (0.45, 0.45), (0.55, -0.45), (0.9, -0.1),
                                             (-0.2, -0.2), (1.0, 0.0)])
def test_phase_error_wraps_around_the_beat(shift, expected):
    ticks = np.arange(0.0, 4.0, 0.4)
    motion = ticks[1:-2] + shift * 0.4
    phase = rhythm.phase_error(motion, ticks)
    assert phase["phase_offset"] == pytest.approx(expected, abs=1e-9)
    assert phase["phase_error"] == pytest.approx(abs(expected), abs=1e-9)
    assert phase["phase_consistency"] == pytest.approx(1.0)


def test_phase_follows_a_changing_tempo():
    ticks = np.concatenate([np.arange(0.0, 1.5, 0.5), 1.5 + np.arange(0.0, 1.5, 0.25)])
    motion = (ticks[:-1] + ticks[1:]) / 2  # every beat half-way between ticks
    assert rhythm.phase_error(motion, ticks)["phase_error"] == pytest.approx(0.5)
    assert np.isnan(rhythm.phase_error([], ticks)["phase_error"])
