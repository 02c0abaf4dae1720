"""Shared test set-up: the --runslow flag and the path of the shared fixtures."""
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Test data made outside this project lives in ../shared/fixtures (never copied into the repo).
SHARED_FIXTURES = os.path.join(os.path.dirname(REPO), "shared", "fixtures")
EXPERIMENTS = os.path.join(REPO, "experiments")


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run the slow tests too")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long tests, run with --runslow (make test-all)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (make test-all)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared_fixtures():
    if not os.path.isdir(SHARED_FIXTURES):
        pytest.fail(f"shared fixtures not found at {SHARED_FIXTURES}")
    return SHARED_FIXTURES
