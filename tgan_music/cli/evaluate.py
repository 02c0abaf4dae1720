"""`tgan-music evaluate RESULT_DIR`, `tgan-music evaluate MODEL --songs DIR` and
`tgan-music evaluate --train-classifier CLIPSET`."""
from tgan_music.arguments import add_device_argument
from tgan_music.config import load_config
from tgan_music.device import select_device
from tgan_music.errors import UserError
from tgan_music.evaluation.report import evaluation_markdown, metric_table

HELP = "Evaluate a training result (rhythm metrics, tempo classifier); train the tempo classifier"
DESCRIPTION = (
    "Generates clips from the model in RESULT_DIR conditioned on held-out music and scores them "
    "(rhythm metrics, tempo-classifier accuracy, Fréchet distance, Inception-style score) next to "
    "the real clips (upper bound) and shuffled music (chance); writes evaluation.json and "
    "evaluation.md into RESULT_DIR. With --songs DIR it scores the model on the songs benchmark "
    "(`tgan-music dataset songs`) instead: several seeds per song, against the score's beats, with "
    "chance and a beat-bar upper bound (songs_evaluation.json/.md). With --train-classifier CLIPSET it trains the tempo classifier "
    "on a metronome clip set instead (stored in CLIPSET/tempo_classifier unless --out is given). "
    "See docs/evaluation.md.")


def add_arguments(parser):
    parser.add_argument("result_dir", nargs="?", metavar="RESULT_DIR",
                        help="a directory written by `tgan-music train`")
    parser.add_argument("--clips", default=None, metavar="CLIPSET",
                        help="clip set whose held-out music conditions the clips (default: the model's data.root)")
    parser.add_argument("--songs", default=None, metavar="DIR",
                        help="evaluate on the songs benchmark in DIR (`tgan-music dataset songs`); "
                             "RESULT_DIR may then be omitted for the shipped model")
    parser.add_argument("--seeds", type=int, default=3,
                        help="with --songs: videos (scene seeds 0..N-1) per song (default 3)")
    parser.add_argument("--duration", type=float, default=20.0, metavar="SECONDS",
                        help="with --songs: the first SECONDS of each song (default 20)")
    parser.add_argument("--samples", type=int, default=None, metavar="N",
                        help="generated clips (default: evaluate.samples of the model's config, 64)")
    parser.add_argument("--split", default=None, choices=("test", "val", "train", "all"),
                        help="split whose music is used (default: evaluate.split, test)")
    parser.add_argument("--classifier", default=None, metavar="DIR",
                        help="tempo classifier directory (default: CLIPSET/tempo_classifier)")
    parser.add_argument("--no-classifier", action="store_true",
                        help="skip the classifier metrics (e.g. on clip sets without known tempi)")
    parser.add_argument("--train-classifier", default=None, metavar="CLIPSET",
                        help="train the tempo classifier on this metronome clip set instead of evaluating")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="where evaluation.json/.md go (default RESULT_DIR; with --songs: "
                             "songs_evaluation.json/.md and the videos, default DIR/evaluation/NAME); "
                             "with --train-classifier: "
                             "where to store the classifier (default CLIPSET/tempo_classifier)")
    parser.add_argument("--config", default=None, metavar="YAML",
                        help="with --train-classifier: experiment YAML whose evaluate.classifier and data "
                             "split fractions are used (default: the defaults)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="with --train-classifier: override a config value, e.g. "
                             "--set evaluate.classifier.iterations=400")
    add_device_argument(parser)


def run(args):
    if args.train_classifier:
        if args.result_dir:
            raise UserError("give either RESULT_DIR (evaluate a model) or --train-classifier CLIPSET, not both")
        return train_classifier(args, select_device(args.device))
    if args.songs:
        if args.clips or args.samples or args.split:
            raise UserError("--songs DIR evaluates on songs; --clips, --samples and --split belong to the clip-set "
                            "evaluation: give one or the other")
        return evaluate_on_songs(args, select_device(args.device))
    if not args.result_dir:
        raise UserError("missing RESULT_DIR: the directory written by `tgan-music train` "
                        "(or use --train-classifier CLIPSET)")
    # heavy (chainer, scipy): `--help` imports this module
    from tgan_music.evaluation.evaluate import evaluate_result
    result = evaluate_result(args.result_dir, clips=args.clips, samples=args.samples, split=args.split,
                             classifier=args.classifier, use_classifier=not args.no_classifier,
                             device=select_device(args.device), out=args.out)
    print(evaluation_markdown(result))
    print(f"wrote {args.out or args.result_dir}/evaluation.json and evaluation.md")
    return 0


def evaluate_on_songs(args, device):
    import os

    from tgan_music.evaluation.songs import COLUMNS, JSON_NAME, MARKDOWN_NAME, ROW_TITLES, ROWS, evaluate_songs
    result = evaluate_songs(args.result_dir, args.songs, seeds=args.seeds, duration=args.duration, out=args.out,
                            device=device)
    rows = [(ROW_TITLES[n], result["rows"][n]) for n in ROWS if result["rows"].get(n)]
    print(metric_table(rows, columns=COLUMNS))
    print(f"wrote {os.path.join(result['out'], JSON_NAME)} and {MARKDOWN_NAME} (videos in "
          f"{os.path.join(result['out'], 'videos')})")
    return 0


def train_classifier(args, device):
    import os

    from tgan_music.evaluation.classifier_training import train_classifier as train
    if not os.path.isfile(os.path.join(args.train_classifier, "dataset.json")):
        raise UserError(f"{args.train_classifier}: not a clip set (no dataset.json); make one with "
                        "`tgan-music dataset metronome --out VIDEOS --clips CLIPSET`")
    config = load_config(args.config, args.overrides)
    classifier = train(args.train_classifier, args.out, config["evaluate"]["classifier"], config["data"], device)
    acc = classifier.info["accuracy"]
    print(f"tempo classifier in {classifier.directory}: {classifier.bins.count} bins, "
          f"train accuracy {acc['train']:.2f}, validation accuracy {acc['val']:.2f} "
          f"(within one bin {acc['val_within_one_bin']:.2f}; chance {acc['chance']:.2f}) "
          f"on {acc['val_clips']} clips")
    return 0
