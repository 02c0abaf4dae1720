"""Data-parallel training over 2 real MPI processes (mpiexec + ChainerMN, CPU, naive communicator).

Skipped, not failed, where mpiexec or mpi4py is missing (install: the `mpi` extra and
OpenMPI, tools/bootstrap.sh)."""
import importlib.util
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from tgan_music.config import load_config
from tgan_music.training.distributed import mpiexec_command, mpiexec_env
from tgan_music.data.synthetic import SyntheticClips, toy_geometry
from tgan_music.training.trainer import train

if mpiexec_command(2, []) is None or importlib.util.find_spec("mpi4py") is None:
    pytest.skip("needs mpiexec (OpenMPI) and mpi4py: pip install -e '.[mpi]'", allow_module_level=True)

# A 2-process run with multi-node BN matches the 1-process run up to this (relative): the
# only difference is the order of float32 sums (batch statistics and gradient means summed
# per rank, then over the ranks), ~1e-7 per step. Measured after 4 iterations: ~1e-6.
# Networks are compared by what they compute, not weight by weight: a bias right before a
# BN gets an exactly-zero gradient, so Adam turns its float noise into +-lr steps that
# differ between the runs and change no output.
TOLERANCE = 1e-4

# Runs train() (the function `tgan-music train` calls) in every rank on in-memory procedural
# clips, then each rank saves its own generator and discriminator.
WORKER = """
import sys, chainer
from tgan_music.config import load_config
from tgan_music.training.distributed import create_distributed
from tgan_music.data.synthetic import SyntheticClips, toy_geometry
from tgan_music.training.trainer import train
dist = create_distributed("naive")
path, out = sys.argv[1], sys.argv[2]
for bn in ("true", "false"):
    config = load_config(path, ["train.multi_node_bn=" + bn])
    data = SyntheticClips(toy_geometry(config), n=8, dims=config["embedding"]["dims"], seed=0)
    result = train(config, f"{out}/bn_{bn}", dataset=data, quiet=True, dist=dist)
    chainer.serializers.save_npz(f"{out}/bn_{bn}/gen_rank{dist.rank}.npz", result["gen"])
    chainer.serializers.save_npz(f"{out}/bn_{bn}/dis_rank{dist.rank}.npz", result["dis"])
"""


def mpirun(n, args, timeout=120, **kwargs):
    return subprocess.run(mpiexec_command(n, [sys.executable, *args]), env=mpiexec_env(threads=1),
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def load(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def read_log(out):
    with open(os.path.join(out, "log"), encoding="utf-8") as f:
        return json.load(f)


def test_two_processes_hold_identical_weights_and_match_one_process(write_config, tmp_path):
    # Global batch 4 (2 per rank), 4 iterations, SVC at iterations 2 and 4; conditional
    # (mismatched music drawn too), BN in both networks.
    path = write_config(batchsize=4, iterations=4, svc_freq=2, snapshot_interval=4)
    out = str(tmp_path / "mpi")
    done = mpirun(2, ["-c", WORKER, path, out])
    assert done.returncode == 0, done.stderr[-3000:]
    for bn in ("true", "false"):
        for net in ("gen", "dis"):
            rank0 = load(f"{out}/bn_{bn}/{net}_rank0.npz")
            rank1 = load(f"{out}/bn_{bn}/{net}_rank1.npz")
            assert rank0.keys() == rank1.keys()
            for key in rank0:   # weights and BN running statistics, bit for bit
                np.testing.assert_array_equal(rank0[key], rank1[key], err_msg=f"bn={bn} {net}/{key}")
        # Only rank 0 writes the log, snapshots and run info.
        assert os.path.isfile(f"{out}/bn_{bn}/snapshot_iter_00000004.npz")
        assert json.load(open(f"{out}/bn_{bn}/run_info.json"))["processes"] == 2

    config = load_config(path)
    data = SyntheticClips(toy_geometry(config), n=8, dims=config["embedding"]["dims"], seed=0)
    single = train(config, str(tmp_path / "one"), dataset=data, quiet=True)
    one, two = read_log(str(tmp_path / "one")), read_log(f"{out}/bn_true")
    for key in ("dis/loss", "gen/loss", "dis/real", "dis/fake", "dis/mismatch"):
        np.testing.assert_allclose([r[key] for r in two], [r[key] for r in one], rtol=TOLERANCE, atol=1e-6,
                                   err_msg=key)
    # Multi-node BN: the 2-process networks compute what the 1-process networks compute.
    reference = outputs(config, single["gen"], single["dis"], data)
    worst = relative_difference(outputs(config, *networks(config, f"{out}/bn_true"), data), reference)
    assert worst < TOLERANCE
    # Per-process BN normalizes each rank's 2 examples by their own statistics: another
    # function of the batch, so that run departs from the 1-process one.
    assert relative_difference(outputs(config, *networks(config, f"{out}/bn_false"), data), reference) > 0.01


def networks(config, run):
    import chainer
    from tgan_music.model.build import build_networks
    gen, dis = build_networks(config)
    chainer.serializers.load_npz(f"{run}/gen_rank0.npz", gen)
    chainer.serializers.load_npz(f"{run}/dis_rank0.npz", dis)
    return gen, dis


def outputs(config, gen, dis, data):
    """Generated videos and D scores of real and generated videos, for one fixed batch in
    training mode (batch statistics)."""
    import chainer
    rng = np.random.RandomState(5)
    x = np.stack([data.video(i) for i in range(4)])
    m = np.stack([data.embedding(i) for i in range(4)])
    with chainer.using_config("train", True), chainer.no_backprop_mode():
        fake = gen(gen.sample_z(4, rng), m).array
        return fake, dis(x, m).array, dis(fake, m).array


def relative_difference(a, b):
    return max(float(np.abs(x - y).max() / (np.abs(y).max() + 1e-12)) for x, y in zip(a, b))


def test_two_process_command_resumes_and_writes_on_rank_0_only(write_config, tmp_path):
    path = write_config(conditioning="none", head="score", batchsize=4, iterations=2, snapshot_interval=2)
    out = str(tmp_path / "run")
    args = ["-m", "tgan_music", "train", path, "--out", out, "--communicator", "naive"]
    first = mpirun(2, args)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.count("trained to iteration 2 on 2 processes") == 1
    resumed = mpirun(2, args + ["--set", "train.iterations=4"])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.stdout.count("resuming from") == 1 and "snapshot_iter_00000002.npz" in resumed.stdout
    log = read_log(out)
    assert [r["iteration"] for r in log] == [1, 2, 3, 4]
    # The same 4 iterations in one process without the stop: the same losses.
    straight = str(tmp_path / "straight")
    train(load_config(path, ["train.iterations=4"]), straight, quiet=True)
    np.testing.assert_allclose([[r["dis/loss"], r["gen/loss"]] for r in log],
                               [[r["dis/loss"], r["gen/loss"]] for r in read_log(straight)], rtol=1e-5)


def test_a_failing_rank_ends_the_job_with_a_message(write_config, tmp_path):
    # Rank 1 cannot read its clip set while rank 0 goes on into the first collective
    # (the weight broadcast): without the abort rank 0 would wait there forever.
    path = write_config(conditioning="none", head="score", batchsize=4, iterations=50)
    train_args = [sys.executable, "-m", "tgan_music", "train", path, "--out", str(tmp_path / "x"),
                  "--communicator", "naive"]
    command = mpiexec_command(1, train_args) + [":", "-n", "1", *train_args,
                                               "--set", f"data.root={tmp_path / 'missing'}"]
    done = subprocess.run(command, env=mpiexec_env(threads=1), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "rank 1 of 2 failed:" in done.stderr and "not a clip set" in done.stderr
    assert "stopping all 2 processes" in done.stderr
    assert not os.path.exists(tmp_path / "x" / "snapshot_iter_00000050.npz")


def test_mpiexec_without_communicator_is_refused(write_config, tmp_path, monkeypatch, capsys):
    # What Open MPI sets in each of 2 processes; 2 independent runs would share one --out.
    from tgan_music.cli import main
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    path = write_config(conditioning="none", head="score")
    assert main(["train", path, "--out", str(tmp_path / "y")]) == 2
    assert "with 2 processes but without --communicator" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "y")


def test_bench_train_procs_prints_the_speedup(write_config, capsys):
    from tgan_music.cli import main
    path = write_config(conditioning="none", head="score", batchsize=4)
    assert main(["bench", "train", path, "--procs", "1,2", "--iterations", "1", "--warmup", "0"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.search(r"\(CPU, \d+ cores, naive communicator, global batch 4\): 1 proc [\d.]+ s/it, "
                     r"2 proc [\d.]+ s/it; 2-process speedup [\d.]+x$", last), last


def test_embed_splits_clips_over_two_processes(clipset, tmp_path):
    import glob
    import shutil
    from tgan_music.embedding.cache import embed_dataset, open_cache
    from tgan_music.embedding.encoders import build_encoder
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    shutil.copytree(clipset[0], one)
    shutil.copytree(clipset[0], two)
    done = mpirun(2, ["-m", "tgan_music", "embed", two, "--encoder", "librosa", "--communicator", "naive"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("6 clips") == 1   # rank 0 reports
    embed_dataset(one, build_encoder("librosa"), "librosa", progress=False)
    a, b = open_cache(one, {"name": "librosa"}), open_cache(two, {"name": "librosa"})
    assert len(a) == len(b) == 6
    for i in range(6):   # other batches and BLAS threads per process: float rounding only
        np.testing.assert_allclose(b[i], a[i], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(b.mean, a.mean, rtol=1e-5, atol=1e-6)
    assert not glob.glob(f"{two}/embeddings/*/*.tmp*")
