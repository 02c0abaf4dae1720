# The two commands of the README: `make demo` (main job) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: venv test test-all demo clean

# The test suite includes a 2-process ChainerMN run, so it installs the mpi extra.
venv:
	@EXTRAS=test,mpi tools/bootstrap.sh

test: venv
	$(PY) -m pytest -q $(PYTEST_ARGS)

# Includes the slow tests (full-size configs, long runs).
test-all: venv
	$(PY) -m pytest -q --runslow $(PYTEST_ARGS)

demo: venv
	$(PY) -m tgan_music demo --out results/demo

clean:
	rm -rf $(VENV) results .pytest_cache
