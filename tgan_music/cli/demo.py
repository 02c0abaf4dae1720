"""`tgan-music demo`: the main job of `make demo`."""
from tgan_music.arguments import add_device_argument
from tgan_music.device import select_device

HELP = "The main job: the whole pipeline, small, on the CPU (what `make demo` runs)"
DESCRIPTION = ("Renders a small metronome set, extracts and embeds it, trains briefly, evaluates the shipped "
               "model and makes a music video for a track whose tempo changes halfway; prints where "
               "everything is and the metrics.")


def add_arguments(parser):
    parser.add_argument("--out", default="results/demo", help="output directory (default: %(default)s)")
    parser.add_argument("--videos", type=int, default=8, help="metronome videos to render (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each video (default: %(default)s)")
    parser.add_argument("--iterations", type=int, default=40, help="training iterations (default: %(default)s)")
    add_device_argument(parser)


def run(args):
    # heavy (chainer): `--help` imports this module
    from tgan_music.pipelines.demo import run_demo, print_summary
    summary = run_demo(args.out, videos=args.videos, seconds=args.seconds, iterations=args.iterations,
                       device=select_device(args.device))
    print_summary(summary)
