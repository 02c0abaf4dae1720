"""A model summary without training: parameter counts and every layer's output shape."""
import chainer
import numpy as np

from tgan_music.model.build import build_frame_discriminator, build_networks
from tgan_music.model.sync import build_sync_expert


class _ShapeRecorder(chainer.LinkHook):
    """Records (path, link class, output shape, own parameter count) of every layer called."""

    name = "ShapeRecorder"

    def __init__(self, root, prefix):
        self.paths = {id(link): prefix + path for path, link in root.namedlinks(skipself=True)}
        self.rows = []

    def forward_postprocess(self, args):
        link = args.link
        if id(link) not in self.paths or isinstance(link, chainer.Chain):
            return
        out = args.out
        shape = tuple(out.shape) if hasattr(out, "shape") else None
        self.rows.append((self.paths[id(link)], type(link).__name__, shape,
                          sum(p.size for p in link.params())))


def _count(link):
    return int(sum(p.size for p in link.params()))


def summarize(config, batch=1):
    """{'generator': {...}, 'discriminator': {...}} with parameter counts and layer rows.

    Runs one test-mode forward pass of a batch of ``batch`` on the CPU (no gradients)."""
    gen, dis = build_networks(config)
    rng = np.random.RandomState(0)
    d = config["data"]
    conditional = config["model"]["conditioning"] != "none"
    frames = max(1, int(round(d["frames"] / d["fps"] * config["embedding"]["frame_rate"])))
    m = rng.randn(batch, frames, config["embedding"]["dims"]).astype(np.float32) if conditional else None
    out = {}
    with chainer.using_config("train", False), chainer.no_backprop_mode():
        rec = _ShapeRecorder(gen, "")
        with rec:
            x = gen(gen.sample_z(batch, rng), m)
        out["generator"] = {"params": _count(gen), "parts": {name.strip("/"): _count(child)
                                                             for name, child in gen.namedlinks(skipself=True)
                                                             if name.count("/") == 1},
                            "layers": rec.rows, "output": tuple(x.shape)}
        rec = _ShapeRecorder(dis, "")
        with rec:
            y = dis(x, m)
        out["discriminator"] = {"params": _count(dis), "parts": {}, "layers": rec.rows, "output": tuple(y.shape)}
        frame_dis = build_frame_discriminator(config)
        if frame_dis is not None:
            frames_in = x.array[:, :, 0]   # one frame of each clip
            rec = _ShapeRecorder(frame_dis, "")
            with rec:
                y = frame_dis(frames_in)
            out["frame discriminator"] = {"params": _count(frame_dis), "parts": {}, "layers": rec.rows,
                                          "output": tuple(y.shape)}
        if conditional and config.get("train", {}).get("sync_weight"):
            expert = build_sync_expert(config)
            rec = _ShapeRecorder(expert, "")
            with rec:
                y = expert(x, m)
            out["sync expert"] = {"params": _count(expert), "parts": {}, "layers": rec.rows,
                                  "output": tuple(y.shape)}
    out["music_input"] = None if m is None else tuple(m.shape)
    return out


def format_summary(config, summary):
    """Human-readable text of ``summarize``'s result."""
    lines = []
    g, d = config["model"]["generator"], config["model"]["discriminator"]
    names = {"generator": g["name"], "discriminator": d["name"]}
    if "frame discriminator" in summary:
        names["frame discriminator"] = config["model"]["frame_discriminator"]["name"]
    if "sync expert" in summary:
        names["sync expert"] = config["model"]["sync"]["name"]
    d_cfg = config["data"]
    lines.append(f"clips: {d_cfg['frames']} frames x {d_cfg['height']}x{d_cfg['width']} x {d_cfg['channels']} "
                 f"channels; conditioning: {config['model']['conditioning']}"
                 + (f"; music input {summary['music_input']}" if summary["music_input"] else ""))
    for net in names:
        s = summary[net]
        lines.append("")
        lines.append(f"{net} ({names[net]}): {s['params']:,} parameters")
        order = [r[0].split("/")[1] for r in s["layers"]]
        for part, count in sorted(s["parts"].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 0):
            lines.append(f"  {part} {net}: {count:,} parameters")
        width = max(len(r[0]) for r in s["layers"])
        lines.append(f"  {'layer':<{width}}  {'type':<20} {'output shape':<24} params")
        for path, kind, shape, params in s["layers"]:
            shape_text = "x".join(str(v) for v in shape[1:]) if shape else "-"
            lines.append(f"  {path:<{width}}  {kind:<20} {shape_text:<24} {params:,}")
        lines.append(f"  output: {s['output']}")
    return "\n".join(lines)
