"""`tgan-music bench NAME`: benchmarks that print their figures (final line: the figures).

Each benchmark lives in ``tgan_music.benchmarks.<module>`` with ``HELP``,
``add_arguments(parser)`` and ``run(args)``; tools/bench_*.py call the same code.
"""
import importlib

HELP = "Run a benchmark (extract, nsynth, svc, train, generate)"

BENCHMARKS = (
    ("extract", "tgan_music.benchmarks.extract"),
    ("nsynth", "tgan_music.benchmarks.nsynth"),
    ("svc", "tgan_music.benchmarks.svc"),
    ("train", "tgan_music.benchmarks.train"),
    ("generate", "tgan_music.benchmarks.generate"),
)


def add_arguments(parser):
    sub = parser.add_subparsers(dest="benchmark", metavar="BENCHMARK")
    sub.required = True
    for name, module_name in BENCHMARKS:
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_bench=module.run)


def run(args):
    return args._bench(args)
