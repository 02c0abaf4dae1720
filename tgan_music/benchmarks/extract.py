"""`tgan-music bench extract`: clips per second of extraction (1080p30 input) and of the synthesizer.

Extraction: a 1920x1080 30 fps H.264 + AAC video (made once with ffmpeg's testsrc2) is
cut into 3 s clips at the config's geometry. Synthesizer: metronome videos rendered
(at the camera-like default sizes) per second of wall time, counted in 3 s clips of
the rendered length. The final line holds both figures.
"""
HELP = "clips per second of extraction (1080p30) and of the synthesizer"


def add_arguments(parser):
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="length of the 1080p30 test video and of each metronome video (default 30)")
    parser.add_argument("--videos", type=int, default=2, help="metronome videos to render (default 2)")
    parser.add_argument("--workers", type=int, default=None, help="synthesizer processes (default: all cores)")
    parser.add_argument("--workdir", default=None, help="keep the generated files here (default: a temp dir)")


def run(args):
    import os
    import shutil
    import subprocess
    import tempfile
    import time

    # heavy (numpy): `--help` imports this module (through cli/bench.py)
    from tgan_music.data.extract import ClipGeometry, extract
    from tgan_music.data.metronome import render_metronome_set

    work = args.workdir or tempfile.mkdtemp(prefix="bench_extract.")
    os.makedirs(work, exist_ok=True)
    try:
        geometry = ClipGeometry()
        src = os.path.join(work, "testsrc_1080p30.mp4")
        if not os.path.exists(src):
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                            "-i", f"testsrc2=s=1920x1080:r=30:d={args.seconds}", "-f", "lavfi",
                            "-i", f"sine=f=440:beep_factor=4:d={args.seconds}", "-c:v", "libx264",
                            "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", src],
                           check=True)
        out = os.path.join(work, "clips_1080p")
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        summary = extract([src], out, geometry, progress=False)
        extract_s = time.perf_counter() - t
        extract_rate = summary["clips"] / extract_s
        print(f"extract: {summary['clips']} clips from {args.seconds:.0f} s of 1080p30 H.264 in {extract_s:.2f} s "
              f"= {extract_rate:.2f} clips/s ({args.seconds / extract_s:.1f}x real time)")

        videos = os.path.join(work, "metronome")
        shutil.rmtree(videos, ignore_errors=True)
        t = time.perf_counter()
        render_metronome_set(videos, args.videos, seed=0, duration=args.seconds, workers=args.workers,
                             progress=False)
        synth_s = time.perf_counter() - t
        synth_clips = args.videos * args.seconds / geometry.seconds
        synth_rate = synth_clips / synth_s
        print(f"synthesize: {args.videos} metronome videos of {args.seconds:.0f} s (640x480/1280x720 30 fps) "
              f"in {synth_s:.2f} s = {synth_rate:.2f} clips/s of source video on {os.cpu_count()} cores")
        print(f"extract_1080p30_clips_per_s={extract_rate:.2f} synthesizer_clips_per_s={synth_rate:.2f}")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0
