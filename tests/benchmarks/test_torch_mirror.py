"""The PyTorch mirror of a training iteration (`bench train --vs-torch`): the same parameters and,
on the recorded inputs, the same losses as Chainer's iteration, for TGAN and the layered recipe."""
import os
import sys

import pytest

from tgan_music.cli import main
from tgan_music.config import load_config
from tgan_music.data.synthetic import SyntheticClips, toy_geometry

EXPERIMENTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "experiments")
SMALL = ["train.batchsize=2", "data.frames=16", "data.height=16", "data.width=16"]
CASES = {
    # TGAN's networks with BN in D and G, SVC due in the recorded iteration, the per-frame heads
    "small base": ("small/base.yaml", SMALL + ["train.svc_freq=1"]),
    # the music recipe: dilated temporal G, layered image G (spatial transformer), D with music at its
    # input, DiffAugment, shifted music, G_ema and the frozen sync expert in G's loss
    "layered": ("music_layered.yaml", ["train.batchsize=2", "model.generator.args.temporal_args.width=8",
                                       "model.generator.args.image_widths=[16,8,8,8]"]),
    # the frame discriminator (its own step between D's and G's; minibatch std; frames gathered)
    "frames": ("music_frames.yaml", ["train.batchsize=2", "model.generator.args.temporal_args.width=8",
                                     "model.generator.args.image_widths=[16,8,8,8]",
                                     "model.frame_discriminator.args.widths=[8,8]"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_mirror_has_chainers_parameters_and_losses(case):
    pytest.importorskip("torch")
    from tgan_music.benchmarks.torch_mirror import Recording, TorchIteration
    path, overrides = CASES[case]
    config = load_config(os.path.join(EXPERIMENTS, path), overrides)
    dataset = SyntheticClips(toy_geometry(config), n=4, dims=config["embedding"]["dims"], seed=0)
    recording = Recording(config, dataset)
    try:
        mirror = TorchIteration(recording)
        frame_dis = recording.updater.frame_dis
        for link in (recording.gen, recording.dis) + ((frame_dis,) if frame_dis is not None else ()):
            # the parameters the iteration uses (pose: phase leaves the temporal generator out)
            unused = {id(p) for p in recording.gen.temporal.params()} if not recording.gen.image.reads_z1 else set()
            assert mirror.parameter_count(link) == sum(p.size for p in link.params() if id(p) not in unused) > 0
        first = mirror.step()
        # D's loss, the frame D's (when there is one), then G's
        assert len(first) == len(recording.losses) == 2 + (frame_dis is not None)
        assert first == pytest.approx(recording.losses, rel=1e-4)
        # Further steps train: the weights move and the losses stay finite.
        weights = [t.detach().clone() for t in mirror.optimizers[-1].param_groups[0]["params"]]
        second = mirror.step()
        assert all(v == v and abs(v) < 1e6 for v in second)
        assert any((w != t.detach()).any() for w, t in zip(weights, mirror.optimizers[-1].param_groups[0]["params"]))
    finally:
        recording.close()


def test_bench_train_vs_torch_prints_both_and_the_ratio(capsys):
    pytest.importorskip("torch")
    args = ["bench", "train", os.path.join(EXPERIMENTS, "small", "base.yaml"), "--vs-torch", "--iterations", "1",
            "--rounds", "2", "--warmup", "0", "--by-layer"] + [a for o in SMALL for a in ("--set", o)]
    assert main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("parameters: chainer G ")
    # the per-layer table: D's first conv3d (3 -> 16 channels, stride 2) among its rows
    assert any(line.startswith("conv3d 3->16 k4 at (16, 16, 16) s2 | ") for line in lines)
    assert any(line.startswith("all convolutions, per iteration: chainer ") for line in lines)
    assert "1 thread(s)" in lines[-1] and lines[-1].rstrip().endswith("x") and "--vs-torch" in lines[-1]


def test_vs_torch_without_torch_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)   # import torch -> ImportError
    assert main(["bench", "train", os.path.join(EXPERIMENTS, "small", "base.yaml"), "--vs-torch"]) != 0
    err = capsys.readouterr().err
    assert "EXTRAS=test,bench tools/bootstrap.sh" in err and "Traceback" not in err
