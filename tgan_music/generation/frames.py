"""Frame-level post-processing of generated videos: frame-rate change, seams, contact sheets."""
import numpy as np

from tgan_music.plots import pyplot, save_figure


def change_fps(frames, src_fps, dst_fps, method="blend"):
    """Resamples (T, H, W, C) uint8 frames from ``src_fps`` to ``dst_fps``.

    Output frame j shows time j / dst_fps. ``blend`` linearly interpolates the two
    source frames around that time (smooth, slight ghosting on fast motion);
    ``repeat`` shows the latest source frame (sharp, judders at non-integer ratios).
    The duration is kept: round(T * dst_fps / src_fps) frames."""
    if dst_fps == src_fps:
        return frames
    t = len(frames)
    n_out = int(round(t * dst_fps / src_fps))
    pos = np.arange(n_out) * (src_fps / dst_fps)
    if method == "repeat":
        return frames[np.minimum(np.floor(pos + 1e-9).astype(int), t - 1)]
    if method != "blend":
        raise ValueError(f"unknown frame-rate method {method!r}; use blend or repeat")
    lo = np.minimum(np.floor(pos).astype(int), t - 1)
    hi = np.minimum(lo + 1, t - 1)
    w = (pos - lo)[:, None, None, None].astype(np.float32)
    out = frames[lo].astype(np.float32) * (1 - w) + frames[hi].astype(np.float32) * w
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def seam_report(frames, hop, overlap=0):
    """Mean absolute frame difference across window seams vs within windows.

    Window w starts at frame w * hop; the transitions from frame w * hop - 1 through the
    ``overlap`` cross-faded frames count as the seam (the whole change a seam makes is
    spread over them). A ratio near 1 means seams look like ordinary motion."""
    f = np.asarray(frames, dtype=np.float32)
    diffs = np.abs(np.diff(f, axis=0)).mean(axis=(1, 2, 3))  # diffs[i] = |f[i+1] - f[i]|
    mask = np.zeros(len(diffs), bool)
    for start in range(hop, len(f), hop):
        mask[start - 1:min(start + overlap, len(diffs))] = True
    within = float(diffs[~mask].mean()) if (~mask).any() else 0.0
    across = float(diffs[mask].mean()) if mask.any() else 0.0
    return {"seam_mean_diff": across, "within_mean_diff": within,
            "seams": int(len(range(hop, len(f), hop))),
            "seam_ratio": across / within if within > 0 else (1.0 if across == 0 else float("inf"))}


def contact_sheet(frames, path, fps, columns=8, rows=None, label=None):
    """Saves a PNG grid of evenly spaced frames with their times (matplotlib, Agg)."""
    plt = pyplot()
    t = len(frames)
    rows = rows or max(1, min(4, int(np.ceil(t / columns))))
    n = min(t, rows * columns)
    picks = np.linspace(0, t - 1, n).round().astype(int)
    h, w = frames.shape[1:3]
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.6 * w / max(h, w) * 1.3,
                                                    rows * 1.6 * h / max(h, w) * 1.3 + 0.4),
                             squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, k in zip(axes.ravel(), picks):
        ax.imshow(frames[k])
        ax.set_title(f"{k / fps:.2f}s", fontsize=7)
    if label:
        fig.suptitle(label, fontsize=9)
    return save_figure(fig, path)
