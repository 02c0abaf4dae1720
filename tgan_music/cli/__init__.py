"""The ``tgan-music`` command line: one module per subcommand in this package.

Each subcommand module defines ``HELP``, ``add_arguments(parser)`` and ``run(args)``
and imports heavy libraries inside ``run`` so that ``--help`` stays fast.
"""
import argparse
import importlib
import sys
import traceback

from tgan_music.errors import UserError, as_user_error

# (subcommand, module) in pipeline order.
COMMANDS = (
    ("dataset", "tgan_music.cli.dataset"),
    ("embed", "tgan_music.cli.embed"),
    ("embed-audio", "tgan_music.cli.embed_audio"),
    ("train", "tgan_music.cli.train"),
    ("describe", "tgan_music.cli.describe"),
    ("generate", "tgan_music.cli.generate"),
    ("evaluate", "tgan_music.cli.evaluate"),
    ("compare", "tgan_music.cli.compare"),
    ("bench", "tgan_music.cli.bench"),
    ("demo", "tgan_music.cli.demo"),
)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="tgan-music",
        description="Videos conditioned on music: TGAN with a music-conditioned discriminator.")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks and debug output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module_name in COMMANDS:
        module = importlib.import_module(module_name)
        p = sub.add_parser(name, help=module.HELP, description=getattr(module, "DESCRIPTION", module.HELP))
        p.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS,
                       help="show tracebacks and debug output")
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args._run(args)
        return int(result or 0)
    except UserError as e:
        if args.verbose:
            traceback.print_exc()
        print(f"tgan-music {args.command}: error: {e}", file=sys.stderr)
        return 2
    except (OSError, EOFError) as e:   # a full disk or a denied permission nobody named: still one line
        converted = as_user_error(e, getattr(e, "filename", None) or "a file", formats=False)
        if converted is None:
            return _unexpected(args, e)
        if args.verbose:
            traceback.print_exc()
        print(f"tgan-music {args.command}: error: {converted}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"tgan-music {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # an unexpected failure: one line unless --verbose
        return _unexpected(args, e)


def _unexpected(args, e):
    if args.verbose:
        traceback.print_exc()
    first = str(e).splitlines()[0] if str(e) else ""
    print(f"tgan-music {args.command}: error: {type(e).__name__}: {first} "
          "(run with --verbose for the traceback)", file=sys.stderr)
    return 1
