"""`tgan-music dataset`: render synthetic metronome videos or songs with exact beats, extract clips."""
from tgan_music.config import load_config
from tgan_music.config.loader import Validator
from tgan_music.data.defaults import SCHEMA
from tgan_music.errors import UserError

HELP = "Build datasets: synthesize metronome videos, render songs with known beats, extract clips from videos"
DESCRIPTION = ("`metronome` renders camera-like metronome videos with ground truth; `songs` renders real "
               "compositions (music21 corpus, FluidSynth) with their exact beats, the songs benchmark of "
               "`evaluate --songs`; `extract` turns any videos into a clip set (3 s clips at 12 fps, "
               "96x128, with 16 kHz mono audio by default).")


def _size(text):
    import argparse
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        if w < 16 or h < 16 or w % 2 or h % 2:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected WIDTHxHEIGHT with even sides >= 16, e.g. 640x480")
    return w, h


def _add_geometry_arguments(p):
    p.add_argument("--config", default=None, metavar="YAML",
                   help="experiment config whose data section sets fps, frames, size, stride (default: the seed's)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set data.stride_seconds=1.5 (repeatable)")
    p.add_argument("--allow-silent", action="store_true",
                   help="keep videos without audio or with a silent track (silent clips, for the unconditional TGAN)")


def add_arguments(parser):
    sub = parser.add_subparsers(dest="dataset_command", metavar="ACTION")
    sub.required = True
    m = sub.add_parser("metronome", help="render synthetic metronome videos (H.264 + AAC .mp4 and ground-truth JSON)")
    m.add_argument("--out", required=True, help="directory for the videos")
    m.add_argument("--videos", type=int, default=10, help="number of videos (default 10)")
    m.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same videos")
    m.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                   help="length of every video (default: random 10-60 s per video)")
    m.add_argument("--size", type=_size, default=None, metavar="WxH",
                   help="frame size of every video (default: 640x480 or 1280x720 per video)")
    m.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    m.add_argument("--clips", default=None, metavar="DIR",
                   help="also extract the rendered videos into the clip set DIR")
    _add_geometry_arguments(m)
    m.set_defaults(_action=run_metronome)
    s = sub.add_parser("songs", help="render songs from the music21 corpus with exact beats (the songs benchmark)",
                       description="Real compositions from the music21 corpus at tempi across 50-200 BPM (some "
                                   "with a tempo step on a bar line), rendered with FluidSynth in mixed formats, "
                                   "each with its beat times from the score (NAME.json) and an upper-bound bar "
                                   "video (NAME_bar.mp4); songs.json lists them. See docs/data.md.")
    s.add_argument("--out", required=True, help="directory for the songs")
    s.add_argument("--songs", type=int, default=8, help="number of songs (default 8)")
    s.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same songs")
    s.add_argument("--duration", type=float, default=30.0, metavar="SECONDS",
                   help="longest song (default 30 s; shorter pieces end with the piece)")
    s.add_argument("--bar-size", type=_size, default=(128, 96), metavar="WxH",
                   help="frame size of the upper-bound bar videos (default 128x96, 12 fps)")
    s.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    s.set_defaults(_action=run_songs)
    e = sub.add_parser("extract", help="cut videos into clips (ffmpeg + scikit-video) into a clip set")
    e.add_argument("sources", nargs="+", metavar="SRC", help="video files or directories of videos")
    e.add_argument("--out", required=True, help="clip set directory (created, or resumed)")
    _add_geometry_arguments(e)
    e.set_defaults(_action=run_extract)


def run(args):
    return args._action(args)


def _geometry(args):
    # The data modules import numpy (and, for extraction, scikit-video); `--help` imports this file.
    from tgan_music.data.extract import ClipGeometry
    # Only the data section matters here, so only it is validated.
    config = load_config(args.config, args.overrides, validate=False)
    data_schema = {k: v for k, v in SCHEMA.items() if k != "dataset"}
    data = {k: v for k, v in config["data"].items() if k != "dataset"}
    Validator(args.config or "<defaults>", {}).check(data, data_schema, "data.")
    return ClipGeometry.from_config(data)


def _extract(sources, out, geometry, allow_silent):
    import sys

    from tqdm import tqdm

    from tgan_music.data.extract import extract
    # tqdm.write keeps each problem on its own line, above the progress bar.
    summary = extract(sources, out, geometry, allow_silent=allow_silent,
                      log=lambda line: tqdm.write(line, file=sys.stderr))
    print(f"{out}: {summary['ok']} videos extracted ({summary['clips']} clips), {summary['skipped']} already done, "
          f"{summary['failed']} failed; the clip set holds {summary['total_clips']} clips")
    for path, problem in summary["problems"]:
        print(f"  failed: {path}: {problem}")
    return 1 if summary["failed"] and not summary["ok"] and not summary["skipped"] else 0


def run_metronome(args):
    from tgan_music.data.metronome import render_metronome_set
    geometry = _geometry(args) if args.clips else None
    paths = render_metronome_set(args.out, args.videos, seed=args.seed, duration=args.duration,
                                 size=args.size, workers=args.workers)
    print(f"{args.out}: {len(paths)} metronome videos with ground truth (seed {args.seed})")
    if args.clips:
        return _extract(paths, args.clips, geometry, args.allow_silent)
    return 0


def run_songs(args):
    from tgan_music.data.songs import render_song_set
    manifest = render_song_set(args.out, songs=args.songs, seed=args.seed, duration=args.duration,
                               bar_size=args.bar_size, workers=args.workers)
    for e in manifest["songs"]:
        bpm = " -> ".join(f"{b:.0f}" for b in e["bpm"])
        print(f"  {e['name']}: {e['piece']} ({e['meter']}, {bpm} BPM, {e['instrument']}"
              f"{' + drums' if e['drums'] else ''}; {e['audio_format']} {e['sample_rate']} Hz "
              f"{'stereo' if e['channels'] == 2 else 'mono'}, {e['duration']:.1f} s)")
    print(f"{args.out}: {len(manifest['songs'])} songs with exact beats and bar videos (seed {args.seed}); "
          f"manifest {args.out}/songs.json")
    return 0


def run_extract(args):
    from tgan_music.data.extract import find_sources
    sources = find_sources(args.sources)
    if not sources:
        raise UserError(f"{' '.join(args.sources)}: no video files found")
    return _extract(sources, args.out, _geometry(args), args.allow_silent)
