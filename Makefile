# The two commands of the README: `make demo` (main job) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: venv test test-all demo shipped-model clean

# The test suite includes a 2-process ChainerMN run, so it installs the mpi extra; the songs
# benchmark's tests render MIDI, so it installs the songs extra (music21, FluidSynth, a GM soundfont).
venv:
	@EXTRAS=test,mpi,songs tools/bootstrap.sh

test: venv
	$(PY) -m pytest -q $(PYTEST_ARGS)

# Includes the slow tests (full-size configs, long runs).
test-all: venv
	$(PY) -m pytest -q --runslow $(PYTEST_ARGS)

demo: venv
	$(PY) -m tgan_music demo --out results/demo

# Rebuilds tgan_music/assets/model (about 1.5 hours on 2 CPU cores): renders the training set, a
# selection set and a held-out set (three seeds), embeds them, trains, exports the snapshot that
# scores best on the selection set and evaluates it on the held-out set's music
# (results/shipped/evaluation.md). See tgan_music/assets/model/README.md.
SHIPPED_YAML := experiments/metronome_shipped.yaml
shipped-model: venv
	$(PY) -m tgan_music dataset metronome --out data/shipped/videos --videos 32 --seed 100 --duration 16 \
		--size 320x240 --clips data/shipped/clips --config $(SHIPPED_YAML)
	$(PY) -m tgan_music embed data/shipped/clips --encoder librosa
	$(PY) -m tgan_music dataset metronome --out data/shipped_heldout/videos --videos 16 --seed 300 --duration 16 \
		--size 320x240 --clips data/shipped_heldout/clips --config $(SHIPPED_YAML)
	$(PY) -m tgan_music embed data/shipped_heldout/clips --encoder librosa
	$(PY) -m tgan_music dataset metronome --out data/shipped_select/videos --videos 12 --seed 200 --duration 16 \
		--size 320x240 --clips data/shipped_select/clips --config $(SHIPPED_YAML)
	$(PY) -m tgan_music embed data/shipped_select/clips --encoder librosa
	$(PY) -m tgan_music train $(SHIPPED_YAML) --out results/shipped
	$(PY) tools/select_snapshot.py results/shipped --clips data/shipped_select/clips --export tgan_music/assets/model
	$(PY) -m tgan_music evaluate tgan_music/assets/model --no-classifier --clips data/shipped_heldout/clips \
		--split all --samples 96 --out results/shipped/heldout

clean:
	rm -rf $(VENV) results .pytest_cache
