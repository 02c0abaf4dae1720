"""`tgan-music embed-audio AUDIO --out OUT.npy`: the music embedding of one audio file."""
from tgan_music.arguments import add_device_argument
from tgan_music.atomic import atomic_path
from tgan_music.device import select_device
from tgan_music.embedding.encoders import build_encoder, to_numpy

HELP = "Encode one audio file into a music embedding (.npy)"
DESCRIPTION = ("Reads any audio (or video) file librosa/ffmpeg can decode, at any rate and channel count, "
               "resamples it to 16 kHz mono, trims it to whole 512-sample frames and writes float32 "
               "(frames, dims): with --encoder nsynth the array Magenta's nsynth_save_embeddings writes.")


def add_arguments(parser):
    parser.add_argument("audio", help="audio or video file")
    parser.add_argument("--encoder", choices=("nsynth", "librosa"), default="nsynth",
                        help="nsynth (needs --checkpoint) or librosa (default: nsynth)")
    parser.add_argument("--checkpoint", default=None, metavar="CKPT",
                        help="NSynth weights: the TF prefix .../model.ckpt-200000 or a converted .npz")
    parser.add_argument("--out", required=True, metavar="OUT.npy", help="where to write the embedding")
    add_device_argument(parser)


def run(args):
    import os

    import numpy as np

    # heavy (numpy, librosa): `--help` imports this module
    from tgan_music.audio import load_audio

    spec = {"name": args.encoder, "args": {"checkpoint": args.checkpoint} if args.encoder == "nsynth" else {}}
    device = select_device(args.device)
    encoder = build_encoder(spec, device=device)
    audio = load_audio(args.audio, encoder.sample_rate)
    frames = to_numpy(encoder.encode(audio)).astype(np.float32)
    out = args.out if args.out.endswith(".npy") else args.out + ".npy"
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with atomic_path(out) as tmp:
        np.save(tmp, frames)
    print(f"{out}: {frames.shape[0]} frames x {frames.shape[1]} dims ({audio.shape[0] / encoder.sample_rate:.2f} s "
          f"of audio, encoder {encoder.encoder_id})")
