"""`tgan-music compare COMPARE.yaml`: train and evaluate several models on the same data."""
from tgan_music.arguments import add_config_arguments, add_device_argument
from tgan_music.device import select_device
from tgan_music.evaluation.report import COLUMNS, cell

HELP = "Train and evaluate several models on the same data; writes docs/RESULTS.md"
DESCRIPTION = (
    "Trains every run listed under compare.runs of the compare YAML (an experiment YAML "
    "plus overrides each) once per training seed (compare.seeds) on the shared clip set, "
    "for the same CPU time (compare.cpu_seconds) or iterations; chooses each run's "
    "snapshot on the selection clip set, evaluates it on the held-out clip set (and the songs "
    "benchmark, compare.songs), and writes the report (compare.report, default "
    "docs/RESULTS.md): per model the mean and 95 % interval over seeds, the real-data upper bound "
    "and the shuffled-music chance level, the tempo breakdown, plots, the CPU and budget, and the "
    "commands of every row. Missing pieces (the metronome clip sets, their embeddings, the tempo "
    "classifier) are made first; an interrupted compare resumes. compare.jobs runs that many "
    "model x seed runs at once, one process and one BLAS thread each (--set compare.jobs=2 on 2 "
    "cores). See docs/evaluation.md.")


def add_arguments(parser):
    add_config_arguments(parser)
    add_device_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args):
    # heavy (chainer): `--help` imports this module
    from tgan_music.pipelines.compare import run_compare
    summary = run_compare(args.config, args.overrides, select_device(args.device), progress=not args.quiet)
    rows = list(summary["rows"].items()) + [("real (upper bound)", summary["real"]),
                                            ("shuffled (chance)", summary["shuffled"])]
    for label, row in rows:
        print(f"{label}: " + ", ".join(f"{m.key} {cell(row.get(m.key), m.format)}" for m in COLUMNS
                                       if m.key in row))
    print(f"wrote {summary['report']} (plots beside it in results/) and {summary['out']}/compare.json")
    return 0
