"""`tgan-music compare COMPARE.yaml`: train and evaluate several models on the same data."""
from tgan_music.arguments import add_config_arguments, add_device_argument

HELP = "Train and evaluate several models on the same data; writes docs/RESULTS.md"
DESCRIPTION = (
    "Trains every run listed under evaluate.compare.runs of the compare YAML (an experiment YAML "
    "plus overrides each) on the shared clip set, evaluates each (`tgan-music evaluate`), and writes "
    "the report (evaluate.compare.report, default docs/RESULTS.md) with the real-data upper bound, "
    "the shuffled-music chance level, plots and the command of every row. Missing pieces (the "
    "metronome clip set, its librosa embeddings, its tempo classifier) are made first; an "
    "interrupted compare resumes. See docs/evaluation.md.")


def add_arguments(parser):
    add_config_arguments(parser)
    add_device_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args):
    from tgan_music.device import select_device
    from tgan_music.evaluation.compare import run_compare
    from tgan_music.evaluation.report import COLUMNS, cell
    summary = run_compare(args.config, args.overrides, select_device(args.device), progress=not args.quiet)
    rows = list(summary["rows"].items()) + [("real (upper bound)", summary["real"]),
                                            ("shuffled (chance)", summary["shuffled"])]
    for label, row in rows:
        print(f"{label}: " + ", ".join(f"{key} {cell(row.get(key), fmt)}" for key, _, fmt, _ in COLUMNS
                                       if key in row))
    print(f"wrote {summary['report']} (plots beside it in results/) and {summary['out']}/compare.json")
    return 0
