#!/usr/bin/env bash
# Creates or refreshes the project's virtual environment (.venv) idempotently.
# Called by `make test` and `make demo`; safe to run again at any time.
#   EXTRAS=test,mpi,songs tools/bootstrap.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
EXTRAS=${EXTRAS:-test}
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

# System tools: scikit-video needs both ffmpeg and ffprobe; the mpi extra needs OpenMPI; the songs
# extra renders MIDI with FluidSynth and the General MIDI soundfont FluidR3_GM.
need_apt=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need_apt+=(ffmpeg)
case ",$EXTRAS," in *,mpi,*) command -v mpiexec >/dev/null 2>&1 || need_apt+=(openmpi-bin libopenmpi-dev);; esac
case ",$EXTRAS," in *,songs,*)
  command -v fluidsynth >/dev/null 2>&1 || need_apt+=(fluidsynth)
  [ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need_apt+=(fluid-soundfont-gm);; esac
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing ${need_apt[*]} with apt-get" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "bootstrap: ${need_apt[*]} missing; install them (e.g. 'sudo apt-get install ${need_apt[*]}' or 'brew install ffmpeg open-mpi fluid-synth') and run again" >&2
    exit 1
  fi
fi

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# Re-install only when the requirements changed or an extra is missing (stamp: hash + extras).
stamp="$VENV/.tgan-music-installed"
hash="$(cat setup.py tools/bootstrap.sh | sha256sum | cut -c1-16)"
have_hash=""; have_extras=""
[ -f "$stamp" ] && read -r have_hash have_extras < "$stamp" || true
missing=0
for e in ${EXTRAS//,/ }; do case ",$have_extras," in *",$e,"*) ;; *) missing=1;; esac; done
if [ "$have_hash" != "$hash" ] || [ $missing = 1 ]; then
  [ "$have_hash" = "$hash" ] && EXTRAS="$have_extras,$EXTRAS"
  echo "bootstrap: installing tgan-music[$EXTRAS] into $VENV" >&2
  "$VENV/bin/pip" install -q --disable-pip-version-check "setuptools<74" wheel "numpy>=1.26,<1.27"
  # chainer's sdist does not build in pip's isolated build environment.
  pip_extras=$(echo ",$EXTRAS," | sed 's/,bench,/,/g; s/^,//; s/,$//')
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-build-isolation -e ".[$pip_extras]"
  # The bench extra (`bench train --vs-torch`): torch 2.13.0's CPU build, the one on this project's
  # machines (an unpinned torch is a CUDA build of several GB). Its wheel declares setuptools>=77,
  # which chainer (pkg_resources) cannot have, so it is installed apart and setuptools<74 put back;
  # torch needs setuptools only to compile extensions, which the mirror never does.
  case ",$EXTRAS," in *,bench,*)
    "$VENV/bin/pip" install -q --disable-pip-version-check torch==2.13.0 2>/dev/null
    "$VENV/bin/pip" install -q --disable-pip-version-check "setuptools<74" 2>/dev/null
    "$VENV/bin/python" -c "import torch, chainer" ;; esac
  # librosa's numba cache, compiled once here: runs started side by side that compile it at the same
  # moment can corrupt it (tgan_music/compat/numba_cache.py).
  "$VENV/bin/python" -m tgan_music.compat.numba_cache
  echo "$hash $EXTRAS" > "$stamp"
fi
