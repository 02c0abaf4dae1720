"""`tgan-music generate AUDIO --model MODEL --out OUT.mp4`."""
from tgan_music.arguments import add_device_argument
from tgan_music.device import select_device
from tgan_music.errors import UserError
from tgan_music.generation.windows import OVERLAP_FRAMES

HELP = "Make a music video from an audio file"
DESCRIPTION = ("Make a music video from any song (wav, mp3, flac, ogg, m4a; mono or stereo; any rate): "
               "consecutive clip-length windows, each conditioned on its own music, one scene throughout, "
               "the song muxed in (H.264 + AAC). A contact sheet PNG and a JSON report go beside the video.")


def add_arguments(parser):
    parser.add_argument("audio", help="the song")
    parser.add_argument("--model", default=None,
                        help="training result directory or snapshot .npz (default: the shipped model)")
    parser.add_argument("--out", default="music_video.mp4", help="output .mp4 (default: %(default)s)")
    parser.add_argument("--start", type=float, default=0.0, help="segment start in seconds")
    parser.add_argument("--duration", type=float, default=None, help="segment length in seconds (default: to the end)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the scene (z0)")
    parser.add_argument("--variations", type=int, default=1, help="number of videos with seeds seed, seed+1, ...")
    parser.add_argument("--fps", type=int, default=None, choices=(12, 24, 30),
                        help="output frame rate (default: the model's, 12)")
    parser.add_argument("--fps-method", default="blend", choices=("blend", "repeat"),
                        help="how frames are added above the model's rate: blend (linear frame "
                             "interpolation) or repeat (default: %(default)s)")
    parser.add_argument("--scale", type=int, default=1, choices=(1, 2, 4), help="upscaling factor (Lanczos)")
    parser.add_argument("--overlap", type=int, default=OVERLAP_FRAMES,
                        help="frames by which consecutive windows overlap and cross-fade (default: %(default)s)")
    parser.add_argument("--checkpoint", default=None,
                        help="NSynth checkpoint for models trained on NSynth embeddings")
    add_device_argument(parser)


def run(args):
    # heavy (chainer): `--help` imports this module
    from tgan_music.generation.music_video import generate_music_video
    if args.variations < 1:
        raise UserError(f"--variations {args.variations}: must be at least 1")
    if args.overlap < 0:
        raise UserError(f"--overlap {args.overlap}: must be >= 0")
    device = select_device(args.device)
    generate_music_video(args.audio, args.out, model=args.model, start=args.start, duration=args.duration,
                         seed=args.seed, variations=args.variations, fps=args.fps, fps_method=args.fps_method,
                         scale=args.scale, overlap=args.overlap, checkpoint=args.checkpoint, device=device)
