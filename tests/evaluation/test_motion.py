"""Motion signal and kinematic beats of a rendered pendulum with exact ticks."""
import numpy as np
import pytest

from tgan_music.evaluation import motion
from tgan_music.evaluation.tempo import dominant_tempo


@pytest.mark.parametrize("bpm, first_tick", [(60.0, 0.31), (120.0, 0.1), (172.0, 0.2)])
def test_kinematic_beats_fall_on_the_ticks(pendulum, ticks, bpm, first_tick):
    video = pendulum(bpm, first_tick=first_tick, noise=0.01)
    signal = motion.motion_signal(video, 12)
    beats = motion.kinematic_beats(signal)
    truth = ticks(bpm, 3.0, first_tick)
    inside = truth[(truth > signal.times[0]) & (truth < signal.times[-1])]
    assert len(beats) >= len(inside) - 1
    error = np.array([np.min(np.abs(truth - b)) for b in beats])
    assert error.max() < 0.025  # well below a frame (83 ms): the V fit refines the minimum
    assert dominant_tempo(signal.values, 12) == pytest.approx(bpm, rel=0.02)


def test_uint8_and_float_videos_agree(pendulum):
    video = pendulum(100.0, first_tick=0.2)
    as_uint8 = motion.kinematic_beats(motion.motion_signal(video, 12))
    as_float = motion.kinematic_beats(motion.motion_signal(video.astype(np.float32) / 127.5 - 1, 12))
    np.testing.assert_allclose(as_uint8, as_float, atol=1e-6)


def test_a_still_or_noise_only_video_has_no_structured_beats():
    still = np.full((36, 96, 128, 3), 90, np.uint8)
    signal = motion.motion_signal(still, 12)
    assert signal.static and motion.kinematic_beats(signal).size == 0
    noise = np.random.default_rng(0).integers(80, 100, (36, 96, 128, 3)).astype(np.uint8)
    beats = motion.kinematic_beats(motion.motion_signal(noise, 12))
    assert beats.size < 12  # noise makes some minima, not one per frame


def test_v_refinement():
    assert motion.refine_minimum_v(1.25, 0.25, 0.75) == pytest.approx(0.25)
    assert motion.refine_minimum_v(1.0, 0.0, 1.0) == 0.0
    assert motion.refine_minimum_v(0.5, 0.5, 0.5) == 0.0


def test_bad_shapes_are_user_errors():
    from tgan_music.errors import UserError
    with pytest.raises(UserError):
        motion.motion_signal(np.zeros((2, 8, 8, 3)), 12)
    with pytest.raises(UserError):
        motion.motion_signal(np.zeros((4, 36, 8, 8, 3)), 12)


def test_picture_spread_is_one_for_the_real_clips_and_near_zero_for_one_picture():
    from tgan_music.evaluation.motion import picture_spread
    rng = np.random.RandomState(0)
    real = [rng.randint(0, 256, (3, 6, 8, 3)).astype(np.uint8) for _ in range(5)]
    assert picture_spread(real, real) == pytest.approx(1.0)
    # one picture for every z, whatever its motion: no spread, however the frames change
    one = [np.roll(real[0], k, axis=0) * 0 + real[0][:1] for k in range(5)]
    assert picture_spread(one, real) == pytest.approx(0.0)
    # half the contrast between clips: half the spread
    mean = np.mean([r.astype(np.float64) for r in real], axis=0)
    half = [(mean + 0.5 * (r - mean)) for r in real]
    assert picture_spread(half, real) == pytest.approx(0.5, rel=1e-6)
