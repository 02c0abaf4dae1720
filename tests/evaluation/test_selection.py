"""The 95 % t interval over seeds and the snapshot choice (steady, then best tempo ±8 %, then BAS) that
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


def test_choice_skips_snapshots_that_flicker_more_than_twice_the_real_clips():
    def entry(name, tempo, flicker):
        return {"snapshot": name, "iteration": len(name), "tempo_acc8": tempo, "bas_fact": 0.5,
                "flicker": flicker, "real_flicker": 0.6}
    scored = [entry("a", 0.9, 1.3), entry("bb", 0.8, 1.2), entry("ccc", 0.7, None)]
    assert choose(scored)["snapshot"] == "bb"              # a flickers 2.17x: out; unknown flicker stays in
    assert choose(scored, flicker_limit=3.0)["snapshot"] == "a"
    assert choose([entry("a", 0.9, 1.3)])["snapshot"] == "a"   # none steady: the best of all
