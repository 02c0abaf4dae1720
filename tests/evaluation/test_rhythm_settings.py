"""RhythmSettings: the one place of the rhythm defaults, read by the config, the metric and the CLI."""
import dataclasses

import pytest

from tgan_music.config import load_config
from tgan_music.errors import UserError
from tgan_music.evaluation.defaults import SCHEMA
from tgan_music.evaluation.settings import CONFIG_KEYS, RhythmSettings
from tgan_music.registry import registry


def test_config_defaults_are_the_settings_defaults():
    assert RhythmSettings.from_config(load_config(None)["evaluate"]) == RhythmSettings()
    fields = {f.name for f in dataclasses.fields(RhythmSettings)}
    assert set(CONFIG_KEYS) <= set(SCHEMA) and set(CONFIG_KEYS.values()) <= fields


def test_config_keys_keep_their_names():
    evaluate = load_config(None, ["evaluate.beat_prominence=0.3", "evaluate.motion_blur_pixels=2",
                                  "evaluate.motion_noise_floor=0", "evaluate.bas_sigma_seconds=0.1"])["evaluate"]
    settings = RhythmSettings.from_config(evaluate)
    assert (settings.prominence, settings.blur_pixels, settings.noise_floor, settings.sigma_seconds) == (
        0.3, 2, 0, 0.1)


def test_the_training_metric_defaults_to_the_settings():
    params = registry("metric").parameters("rhythm")
    for f in dataclasses.fields(RhythmSettings):
        assert params[f.name].default == f.default


def test_settings_are_frozen_and_checked():
    settings = RhythmSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.audio_beats = "beats"
    assert settings.replace(audio_beats="beats").audio_beats == "beats" and settings.audio_beats == "auto"
    with pytest.raises(UserError, match="audio_beats"):
        RhythmSettings(audio_beats="magic")
    with pytest.raises(UserError, match="sigma_seconds"):
        RhythmSettings(sigma_seconds=0.0)
