import subprocess
import sys

from tgan_music.cli import COMMANDS, main


def test_help_lists_every_subcommand(capsys):
    try:
        main(["--help"])
    except SystemExit as e:
        assert e.code == 0
    out = capsys.readouterr().out
    for name in ("dataset", "embed", "embed-audio", "train", "describe", "generate", "evaluate",
                 "compare", "bench"):
        assert name in out


def test_each_subcommand_has_help(capsys):
    for name, _ in COMMANDS:
        try:
            main([name, "--help"])
        except SystemExit as e:
            assert e.code == 0
        assert "usage: tgan-music " + name in capsys.readouterr().out


def test_user_error_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: {batchsiz: 3}\n")
    proc = subprocess.run([sys.executable, "-m", "tgan_music", "describe", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "unknown key 'train.batchsiz'" in lines[0] and "bad.yaml" in lines[0]
    verbose = subprocess.run([sys.executable, "-m", "tgan_music", "--verbose", "describe", str(bad)],
                             capture_output=True, text=True)
    assert "Traceback" in verbose.stderr


def test_device_errors_without_cupy():
    import pytest
    from tgan_music.device import cupy_available, select_device
    from tgan_music.errors import UserError
    assert select_device(-1).xp.__name__ == "numpy"
    if not cupy_available():
        with pytest.raises(UserError, match="--device 0: CuPy is not installed"):
            select_device(0)
