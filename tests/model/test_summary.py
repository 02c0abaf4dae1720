"""`tgan-music describe`: parameter counts (TGAN's originals) and layer output shapes."""
import os

from tgan_music.cli import main
from tgan_music.config import load_config
from tgan_music.model.summary import summarize

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UCF = os.path.join(REPO, "experiments", "tgan_ucf101.yaml")


def test_ucf101_config_has_tgans_parameter_counts():
    s = summarize(load_config(UCF))
    assert s["generator"]["parts"] == {"temporal": 825_444, "image": 3_622_691}
    assert s["discriminator"]["params"] == 11_032_385
    assert s["generator"]["output"] == (1, 3, 16, 64, 64)
    layers = {path: shape for path, _, shape, _ in s["discriminator"]["layers"]}
    assert layers["/c3"] == (1, 512, 1, 4, 4)
    assert s["discriminator"]["output"] == (1,)
    # per-layer counts add up to the total
    assert sum(r[3] for r in s["generator"]["layers"]) == 825_444 + 3_622_691


def test_describe_command_prints_counts_and_shapes(capsys):
    assert main(["describe", UCF]) == 0
    out = capsys.readouterr().out
    for text in ("temporal generator: 825,444 parameters", "image generator: 3,622,691 parameters",
                 "discriminator (tgan): 11,032,385 parameters", "/temporal/dc4", "100x16", "32x64x64"):
        assert text in out


def test_describe_shows_the_sync_expert_when_the_recipe_uses_it(capsys):
    sync = "experiments/music_sync.yaml"
    s = summarize(load_config(sync))
    expert = s["sync expert"]
    assert expert["output"] == (1,)
    assert expert["params"] == sum(r[3] for r in expert["layers"])
    assert "sync expert" not in summarize(load_config(sync, ["train.sync_weight=0"]))
    assert main(["describe", sync]) == 0
    assert f"sync expert (expert): {expert['params']:,} parameters" in capsys.readouterr().out


def test_describe_shows_the_frame_discriminator_when_the_recipe_uses_it(capsys):
    frames = "experiments/music_frames.yaml"
    s = summarize(load_config(frames))
    d = s["frame discriminator"]
    # 3 convolutions to 128x3x4, then the score of those features and the minibatch-std channel
    assert d["output"] == (1,) and d["layers"][-2][2][1:] == (128, 3, 4)
    assert d["params"] == sum(r[3] for r in d["layers"]) and d["layers"][-1][3] == (128 + 1) * 3 * 4 + 1
    assert "frame discriminator" not in summarize(load_config(frames, ["train.frame_weight=0",
                                                                       "train.frame_warmup=0"]))
    assert main(["describe", frames]) == 0
    assert f"frame discriminator (dcgan): {d['params']:,} parameters" in capsys.readouterr().out
