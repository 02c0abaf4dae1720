"""`tgan-music embed DATASET`: precompute the music embedding of every clip of a clip set."""
from tgan_music.arguments import add_device_argument
from tgan_music.device import select_device
from tgan_music.distributed import add_communicator_argument, rank_device_id, run_on_every_rank, start_distributed
from tgan_music.embedding.encoders import build_encoder

HELP = "Precompute music embeddings for every clip of a dataset"
DESCRIPTION = ("Writes one float32 (frames, dims) .npy per clip under DATASET/embeddings/<encoder-id>/ "
               "with a manifest (encoder, weights SHA-256, rate, hop, dims, per-dimension mean/std). "
               "Resumes an interrupted run; refuses to add to a cache made by other weights.")


ENCODERS = ("nsynth", "librosa", "rhythm", "rhythm+librosa", "rhythm+nsynth")


def encoder_spec(name, checkpoint=None, latency=0.0):
    """The config's ``embedding.encoder`` spec of an --encoder choice."""
    if name.startswith("rhythm"):
        base = name.partition("+")[2] or None
        args = {"base": base, "checkpoint": checkpoint if base == "nsynth" else None}
        if latency:
            args["latency"] = latency
        return {"name": "rhythm", "args": args}
    return {"name": name, "args": {"checkpoint": checkpoint} if name == "nsynth" else {}}


def add_arguments(parser):
    parser.add_argument("dataset", help="clip set directory (made by `tgan-music dataset ...`)")
    parser.add_argument("--encoder", choices=ENCODERS, default="nsynth",
                        help="nsynth: Magenta's NSynth WaveNet encoder (needs --checkpoint); "
                             "librosa: offline features, no checkpoint; rhythm: beat-phase features "
                             "(onsets, PLP pulse and phase, tempo), alone or followed by librosa's or "
                             "NSynth's (rhythm+librosa, rhythm+nsynth) (default: nsynth)")
    parser.add_argument("--checkpoint", default=None, metavar="CKPT",
                        help="NSynth weights: the TF prefix .../model.ckpt-200000 (from Magenta's "
                             "wavenet-ckpt.tar) or a .npz from tools/convert_nsynth_checkpoint.py")
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS",
                        help="rhythm encoders: advance the beat phase by this much, the onset envelope's "
                             "lag behind the notes (embedding.encoder.args.latency; default 0)")
    parser.add_argument("--batch-size", type=int, default=8, help="clips encoded per step (default 8)")
    add_device_argument(parser)
    add_communicator_argument(parser, "under mpiexec: split the clips over the processes (ChainerMN communicator; "
                                      "naive on CPUs)")


def run(args):
    # heavy (chainer): `--help` imports this module
    from tgan_music.embedding.cache import embed_dataset

    if "nsynth" not in args.encoder and args.checkpoint:
        print(f"note: --checkpoint is ignored by --encoder {args.encoder}")
    if args.latency and not args.encoder.startswith("rhythm"):
        print(f"note: --latency is ignored by --encoder {args.encoder}")
    spec = encoder_spec(args.encoder, args.checkpoint, args.latency)   # only rhythm encoders take it
    dist = start_distributed(args)

    def work():
        device = select_device(rank_device_id(args.device, dist))
        encoder = build_encoder(spec, device=device)
        return embed_dataset(args.dataset, encoder, spec["name"], batch_size=args.batch_size,
                             progress=dist is None or dist.is_root, dist=dist)

    cache = run_on_every_rank(dist, work, verbose=getattr(args, "verbose", False))
    if dist is not None and not dist.is_root:
        return
    print(f"{cache.directory}: {len(cache)} clips, {cache.dims} dims at {cache.frame_rate:g} frames/s "
          f"(encoder {cache.encoder_id})")
