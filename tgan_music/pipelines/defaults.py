"""Config section ``compare`` (`tgan-music compare COMPARE.yaml`, docs/evaluation.md).

Earlier versions had it under ``evaluate.compare``; a config that still has it there loads
(config/loader.py MOVED_SECTIONS)."""
from tgan_music.config.schema import Field

SCHEMA = {
    "runs": Field(list, [], doc="the compared models: a list of {label, config, set: [KEY=VALUE, ...]} "
                                "(config relative to the compare YAML)"),
    "iterations": Field((int, type(None)), None, doc="train.iterations of every run (null = each config's); "
                                                     "an iteration budget, instead of cpu_seconds"),
    "out": Field(str, "results/compare", doc="directory of the runs' result directories"),
    "report": Field(str, "docs/RESULTS.md", doc="the Markdown report; plots go to <its dir>/results/"),
    "videos": Field(int, 48, doc="metronome videos synthesized when data.root does not exist yet"),
    "video_seconds": Field(float, 8.0, doc="length of each synthesized video"),
    "video_size": Field(str, "160x120", doc="frame size of the synthesized videos (WxH)"),
    "video_seed": Field(int, 7, doc="seed of the synthesized videos"),
    "seeds": Field(list, [0], doc="training seeds: every run trains once per seed (config key seed); "
                                  "the report gives the mean and the 95 % t interval over them"),
    "cpu_seconds": Field(float, 0.0, doc="train.cpu_seconds of every run (equal CPU time; 0 = off, "
                                         "use iterations); with it train.iterations is max_iterations"),
    "max_iterations": Field(int, 1000000, doc="train.iterations of every run under cpu_seconds"),
    "snapshot_interval": Field((int, type(None)), None,
                               doc="train.snapshot_interval of every run (null = each config's): the "
                                   "snapshots the selection set chooses among"),
    "snapshots_kept": Field(int, 100, doc="train.snapshots_kept of every run"),
    "jobs": Field(int, 1, doc="model x seed runs trained and evaluated at once, each in its own process "
                              "with one BLAS thread (2 on a 2-core machine); the report is the same",
                  minimum=1),
    "selection": {
        "root": Field(str, "", doc="selection clip set: each run's snapshot is chosen on it (flicker "
                                   "at most 2x real, then best tempo ±8 %, then BAS); synthesized like data.root when missing; "
                                   "'' = no selection, the last snapshot"),
        "videos": Field(int, 24, doc="metronome videos synthesized for it"),
        "video_seed": Field(int, 1007, doc="their seed (differs from video_seed and heldout's)"),
        "samples": Field(int, 96, doc="generated clips per snapshot scored on it"),
    },
    "heldout": {
        "root": Field(str, "", doc="held-out clip set the chosen snapshots are reported on (split all); "
                                   "synthesized like data.root when missing; '' = evaluate.split of data.root"),
        "videos": Field(int, 48, doc="metronome videos synthesized for it"),
        "video_seed": Field(int, 2007, doc="their seed"),
    },
    "songs": Field(str, "", doc="songs benchmark directory (`tgan-music dataset songs --out DIR`) the "
                                "chosen snapshots are also reported on ('' = none)"),
    "songs_seeds": Field(int, 3, doc="videos per song (evaluate --songs --seeds)"),
    "songs_duration": Field(float, 20.0, doc="seconds per song at most (evaluate --songs --duration)"),
    "title": Field(str, "Results: baseline TGAN vs the conditional models on metronome clips",
                   doc="the report's title"),
    "summary": Field(str, "", doc="a paragraph for the report: what the tables answer about the "
                                  "seed's question ('' = a placeholder that says it is still to write)"),
    "notes": Field(list, [], doc="more notes (strings) for the report's Notes section"),
}
