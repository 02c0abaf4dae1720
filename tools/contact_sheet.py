"""A contact sheet of a model against real clips: for each of a few clips of a clip set, the real
clip's frames on one row, then the model's clips for that clip's music from ``--seeds`` z below it.

    .venv/bin/python tools/contact_sheet.py MODEL CLIPSET OUT.png [--clips 3] [--seeds 4] [--every 3]

MODEL: a training result directory, a snapshot or an exported model (G_ema where there is one);
CLIPSET: a clip set with the model's embeddings (e.g. data/motion_heldout/clips). Look at it
before believing a metric: a collapsed G shows the same picture on every row of a block.
"""
import argparse

import numpy as np

from tgan_music.errors import UserError


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("clipset")
    parser.add_argument("out", help="the PNG to write")
    parser.add_argument("--clips", type=int, default=3, help="music clips, spread over the set (default 3)")
    parser.add_argument("--seeds", type=int, default=4, help="z per clip (default 4)")
    parser.add_argument("--every", type=int, default=3, help="every k-th frame (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="the first z's seed (default 1)")
    args = parser.parse_args(argv)
    from tgan_music.data.dataset import build_dataset
    from tgan_music.embedding.cache import open_cache
    from tgan_music.evaluation.evaluate import generate_clips, load_model
    from tgan_music.training.preview import pick_clips, save_png, strip
    from tgan_music.video import to_uint8_frames
    try:
        gen, config, _, stats, _ = load_model(args.model, None)
        conditional = config["model"]["conditioning"] != "none"
        emb = open_cache(args.clipset, config["embedding"]["encoder"], config["embedding"]["dims"]) \
            if conditional else None
        dataset = build_dataset(config, "all", emb, root=args.clipset, stats=stats)
    except UserError as e:
        raise SystemExit(f"contact_sheet: {e}")
    rows = []
    for i in pick_clips(len(dataset), args.clips):
        example = dataset.get_example(i)
        rows.append(to_uint8_frames(example[0] if isinstance(example, tuple) else example))
        videos = generate_clips(gen, dataset, [i] * args.seeds, conditional, seed=args.seed, progress=False)
        rows += [to_uint8_frames(v) for v in videos]
    save_png(args.out, strip(np.stack(rows), args.every))
    print(f"wrote {args.out}: {args.clips} clips x (real + {args.seeds} z), one frame in {args.every}")


if __name__ == "__main__":
    main()
