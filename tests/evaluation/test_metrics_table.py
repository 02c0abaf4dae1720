"""The one table of metrics: every key a scorer gives is in it, every table's columns come from it."""
import numpy as np
import pytest

from tgan_music.evaluation import metrics, report, scoring, songs
from tgan_music.evaluation.metrics import BY_KEY, HEADLINE, KINDS, METRICS, columns, keys_of


def test_every_metric_is_well_formed():
    assert len(BY_KEY) == len(METRICS)  # keys are unique
    for m in METRICS:
        assert m.direction in ("higher", "lower") and m.kind in KINDS, m
        assert m.format.format(0.5)  # formats a float
        assert m.higher_is_better == (m.direction == "higher")


def test_pair_scores_give_exactly_the_rhythm_metrics():
    video = scoring.VideoRhythm(beats=np.array([0.5, 1.0, 1.5]), peaks=np.array([0.75, 1.25]),
                                tempo_bpm=120.0, span=(0.0, 2.0), fps=12.0)
    audio = scoring.AudioRhythm(beats=np.array([0.5, 1.0, 1.5]), onsets=np.array([0.5, 1.0, 1.5]),
                                tempo_bpm=120.0, ticks=np.array([0.0, 0.5, 1.0, 1.5, 2.0]))
    given = set(scoring.pair_scores(video, audio, scoring.RhythmSettings()))
    assert given == set(keys_of("rhythm", "rhythm_diagnostic"))


def test_tables_read_the_table():
    for table in (report.COLUMNS, songs.COLUMNS):
        assert all(BY_KEY[m.key] is m for m in table)
    assert set(songs.METRICS) <= set(BY_KEY) and set(HEADLINE) <= set(BY_KEY)
    with pytest.raises(KeyError, match="not_a_metric"):
        columns(("bas_fact", "not_a_metric"))


def test_metric_table_uses_labels_and_formats():
    table = report.metric_table([("m", {"phase_offset": 0.25, "bas_fact": 0.5})],
                                columns=columns(("bas_fact", "phase_offset")))
    assert "| m | 0.500 | +0.250 |" in table and BY_KEY["phase_offset"].label in table
    assert metrics.BY_KEY["fd"].direction == "lower"
