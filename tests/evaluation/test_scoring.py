"""Scoring a clip set: real pairs score high, shuffled pairs give the chance level."""
import numpy as np
import pytest

from tgan_music.evaluation import scoring
from tgan_music.registry import registry

TEMPI = (62.0, 83.0, 104.0, 131.0, 167.0)


def make_clips(pendulum, ticks, clicks, noise=0.02):
    rng = np.random.default_rng(3)
    videos, audios, tick_lists = [], [], []
    for i, bpm in enumerate(TEMPI):
        first = rng.uniform(0, 60 / bpm)
        videos.append(pendulum(bpm, first_tick=first, noise=noise, seed=i))
        tick_lists.append(ticks(bpm, 3.0, first))
        audios.append(clicks(tick_lists[-1], 3.0))
    return videos, audios, tick_lists


def test_real_pairs_beat_shuffled_pairs_on_every_metric(pendulum, ticks, clicks):
    videos, audios, tick_lists = make_clips(pendulum, ticks, clicks)
    result = scoring.score_clips(videos, audios, 12, 16000, ticks=tick_lists, tempi=list(TEMPI),
                                 shuffle_rounds=2)
    real, shuffled = result["real"], result["shuffled"]
    for name in ("bas_fact", "bas_bailando", "av_align", "tempo_acc4", "tempo_acc8",
                 "phase_consistency"):
        assert real[name]["mean"] > shuffled[name]["mean"] + 0.3, name
    assert real["phase_error"]["mean"] < shuffled["phase_error"]["mean"] - 0.1
    assert real["bas_fact"]["mean"] > 0.9 and real["tempo_acc4"]["mean"] == 1.0
    assert result["range"]["bas_fact"] == pytest.approx(
        real["bas_fact"]["mean"] - shuffled["bas_fact"]["mean"])
    assert len(result["per_clip"]) == len(TEMPI) and shuffled["bas_fact"]["n"] == 2 * len(TEMPI)


def test_shuffled_pairs_never_pair_a_clip_with_itself():
    pairs = scoring.shuffled_pairs(7, rounds=3, seed=1)
    assert len(pairs) == 21 and all(v != a for v, a in pairs)
    assert sorted(a for v, a in pairs[:7]) == list(range(7))


def test_audio_only_metrics_without_ground_truth(pendulum, ticks, clicks):
    videos, audios, _ = make_clips(pendulum, ticks, clicks)
    metric = registry("metric").build({"name": "rhythm", "args": {"audio_beats": "onsets"}})
    result = metric.score(videos[:3], audios[:3], 12, 16000)
    assert "phase_error" not in result["real"]
    assert result["real"]["bas_fact"]["mean"] > 0.8
    assert result["real"]["tempo_acc8"]["mean"] == 1.0


def test_bad_arguments_are_user_errors():
    from tgan_music.errors import UserError
    with pytest.raises(UserError, match="audio_beats"):
        scoring.RhythmMetrics(audio_beats="magic")
    with pytest.raises(UserError, match="one audio per video"):
        scoring.score_clips([np.zeros((4, 8, 8, 3))], [], 12, 16000)


def test_config_section_builds_the_metric():
    from tgan_music.config import load_config
    evaluate = load_config(None, ["evaluate.bas_sigma_seconds=0.08", "evaluate.audio_beats=onsets"])["evaluate"]
    metric = scoring.rhythm_metrics_from_config(evaluate)
    assert metric.settings.sigma_seconds == 0.08 and metric.settings.audio_beats == "onsets"


def test_channels_last_matches_the_dataset_layout(pendulum):
    video = pendulum(90.0)
    generator_layout = (video.transpose(3, 0, 1, 2).astype(np.float32) / 127.5 - 1)[None]
    clip = scoring.channels_last(generator_layout)[0]
    assert clip.shape == video.shape
    np.testing.assert_allclose((clip + 1) * 127.5, video, atol=1e-3)
