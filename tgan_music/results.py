"""Result directories: every run writes its merged config, git commit and package versions."""
import datetime
import json
import os
import subprocess
import sys

from tgan_music.atomic import write_text
from tgan_music.config import dump_config

PACKAGES = ("chainer", "numpy", "cupy", "scipy", "librosa", "scikit-video", "soundfile",
            "pyyaml", "matplotlib", "mpi4py")


def git_commit():
    """The commit of the code that ran (with '-dirty' when it had local changes), or None."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        if not commit:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def package_versions():
    from importlib import metadata
    versions = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def write_run_info(out_dir, config, extra=None):
    """Writes ``config.yaml`` (the merged config) and ``run_info.json`` into ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    dump_config(config, os.path.join(out_dir, "config.yaml"))
    info = {
        # The program's name without this machine's path to it (the file is shipped and shared).
        "command": [os.path.basename(sys.argv[0])] + sys.argv[1:] if sys.argv else [],
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "packages": package_versions(),
    }
    info.update(extra or {})
    write_text(os.path.join(out_dir, "run_info.json"), json.dumps(info, indent=2) + "\n", unique=True)
    return info
