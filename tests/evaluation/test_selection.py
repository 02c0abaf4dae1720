"""The 95 % t interval over seeds and the snapshot choice (best tempo ±8 %, then BAS) that
`tgan-music compare` and tools/select_snapshot.py use."""
import math

import pytest

from tgan_music.evaluation.selection import choose, interval


def test_interval_and_choice():
    mean, half = interval([0.1, 0.2, 0.3])
    assert mean == pytest.approx(0.2) and half == pytest.approx(4.303 * 0.1 / math.sqrt(3), rel=1e-3)
    assert interval([0.5, None, float("nan")])[0] == 0.5 and math.isnan(interval([0.5])[1])
    assert all(math.isnan(v) for v in interval([]))
    scored = [{"snapshot": "a", "iteration": 2, "tempo_acc8": 0.5, "bas_fact": 0.1},
              {"snapshot": "b", "iteration": 4, "tempo_acc8": 0.5, "bas_fact": 0.3},
              {"snapshot": "c", "iteration": 6, "tempo_acc8": None, "bas_fact": 0.9}]
    assert choose(scored)["snapshot"] == "b"
