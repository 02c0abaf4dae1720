"""Markdown and plots of evaluations: one model's evaluation.md, and the comparison's RESULTS.md."""
import math
import os

from tgan_music.evaluation.metrics import BY_KEY, columns
from tgan_music.plots import pyplot, save_figure

# The columns of evaluation.md and RESULTS.md, in table order (labels and formats: METRICS).
COLUMNS = columns(("tempo_acc8", "tempo_acc4", "tempo_octave", "bas_fact", "bas_bailando", "av_align",
                   "phase_error", "flicker", "seed_spread", "picture_spread", "cls_acc", "cls_acc1", "fd", "is"))
ROW_TITLES = {
    "generated": "generated, with its music",
    "generated_shuffled": "generated, with another clip's music (chance)",
    "real": "real held-out clips (upper bound)",
    "real_shuffled": "real clips, shuffled music (chance)",
}


def _finite(value):
    return value is not None and not (isinstance(value, float) and not math.isfinite(value))


def cell(value, fmt):
    """``value`` formatted; a (mean, half-width) pair as "mean ± half" (the mean alone when the
    half-width is unknown: one seed); "-" when missing."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        mean, half = value
        if not _finite(mean):
            return "-"
        return fmt.format(mean) + (f" ± {fmt.format(half).lstrip('+')}" if _finite(half) else "")
    if not _finite(value):
        return "-"
    return fmt.format(value)


def level(value):
    """The mean of a value that may be a (mean, half-width) pair; nan when missing."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        value = value[0]
    return float(value) if _finite(value) else float("nan")


def metric_table(named_rows, first_title="row", extra=None, columns=COLUMNS):
    """A Markdown table: one line per (title, {metric: value}); ``extra`` adds a last column
    (title, [text per row]); ``columns``: metrics.Metric in order."""
    shown = [m for m in columns if any(m.key in row for _, row in named_rows)]
    head = [first_title] + [m.label for m in shown] + ([extra[0]] if extra else [])
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for n, (title, row) in enumerate(named_rows):
        cells = [title] + [cell(row.get(m.key), m.format) for m in shown]
        if extra:
            cells.append(extra[1][n])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


LEGEND = (
    "Rhythm metrics (docs/metrics.md) compare each clip's motion with its music: tempo ±8 %/±4 % "
    "(video tempo within 8/4 % of the music's), BAS (Beat Alignment Score, FACT: over motion beats; "
    "Bailando: over music beats), AV-Align, phase error (beats, 0 best, 0.25 chance), flicker (mean "
    "grey-level change from frame to frame, 0-255), seed spread (mean |a - b| between two z for the same "
    "music over the mean frame change; 0 = z changes nothing), picture spread (the generated first frames' "
    "spread over clips over the real clips'; 1 = as varied, 0 = one picture). Classifier "
    "metrics (docs/evaluation.md) use the project's tempo classifier: accuracy of the predicted "
    "tempo bin against the music's (and within one bin), FD (Fréchet distance of its features to "
    "real training clips, lower is better), IS (exp E KL(p(y|x) || p(y)), 1 to the number of bins).")


def evaluation_markdown(result):
    """evaluation.md of one evaluate_result."""
    rows = [(ROW_TITLES[name], result["rows"][name]) for name in ROW_TITLES if name in result["rows"]]
    cls = result.get("classifier")
    lines = [
        f"# Evaluation of {result['name']} ({result['conditioning']} conditioning)",
        "",
        f"- model: `{result['result_dir']}` / `{result['snapshot']}` (iteration {result['iteration']})",
        f"- music: {result['samples']} generated clips conditioned on the {result['conditioning_clips']} clips "
        f"of the `{result['split']}` split of `{result['clip_set']}`",
        f"- clips: {result['geometry']['frames']} frames at {result['geometry']['fps']} fps, "
        f"{result['geometry']['height']}x{result['geometry']['width']}",
    ]
    if cls:
        lines.append(f"- tempo classifier: `{cls['directory']}` ({cls['bins']['count']} bins, validation "
                     f"accuracy {cell(cls['val_accuracy'], '{:.2f}')}; FD against {cls['fd_reference']}; "
                     f"resampling: {cls['resampling']})")
    else:
        lines.append("- tempo classifier: not used")
    lines += ["", metric_table(rows), "", LEGEND, ""]
    lines += tempo_breakdown_table(result.get("by_tempo"))
    return "\n".join(lines)


def tempo_breakdown_table(by_tempo):
    """Markdown lines: tempo ±8 % and BAS per music-tempo range, generated next to real."""
    if not by_tempo:
        return []
    lines = ["By the music's tempo (clips; tempo ±8 %; BAS FACT):", "",
             "| music tempo | generated clips | generated tempo ±8 % | generated BAS | real clips | real tempo ±8 % | real BAS |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for gen, real in zip(by_tempo["generated"], by_tempo["real"]):
        lines.append(f"| {gen['range']} | {gen['clips']} | {cell(gen['tempo_acc8'], '{:.2f}')} | "
                     f"{cell(gen['bas_fact'], '{:.3f}')} | {real['clips']} | {cell(real['tempo_acc8'], '{:.2f}')} | "
                     f"{cell(real['bas_fact'], '{:.3f}')} |")
    return lines + [""]


def results_markdown(title, intro, model_rows, real_row, shuffled_row, commands, plots, notes=(), *,
                     sections=(), summary=None, columns=COLUMNS, command_section=False):
    """docs/RESULTS.md: ``model_rows`` [(label, {metric: value or (mean, 95 % half-width)})], the real
    and shuffled rows, ``commands`` {label: reproducing command}, ``plots`` [(caption, relative path)].

    ``summary``: a paragraph on what the tables answer (its own section, after the intro);
    ``sections``: [(heading, [Markdown lines])] after the main table; ``command_section``: the
    commands go to a Commands section (one code block per row) instead of a table column."""
    named = list(model_rows) + [("real clips (upper bound)", real_row),
                                ("real clips, shuffled music (chance)", shuffled_row)]
    lines = [f"# {title}", "", *intro, ""]
    if summary is not None:
        lines += ["## What the tables answer", "", summary, ""]
    if command_section:
        lines += [metric_table(named, "model", columns=columns), ""]
    else:
        command_cells = [f"`{commands.get(label, '')}`" if commands.get(label) else "" for label, _ in named]
        lines += [metric_table(named, "model", ("reproduce", command_cells), columns=columns), ""]
    lines += [LEGEND, ""]
    for heading, body in sections:
        lines += [f"## {heading}", "", *body, ""]
    for caption, path in plots:
        lines += [f"![{caption}]({path})", "", f"*{caption}*", ""]
    if command_section and commands:
        lines += ["## Commands", ""]
        for label, command in commands.items():
            lines += [f"**{label}**:", "", "```sh", command, "```", ""]
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines)


def plot_metrics(path, model_rows, real_row, shuffled_row, keys=("tempo_acc8", "bas_fact", "bas_bailando",
                                                                    "phase_error", "cls_acc", "fd")):
    """Bar chart per metric (one bar per model, with the 95 % interval as an error bar when a
    value is a (mean, half-width) pair) with the real (upper bound) and shuffled (chance) levels
    as lines; written atomically as PNG."""
    plt = pyplot()
    keys = [k for k in keys if any(k in row for _, row in model_rows)]
    fig, axes = plt.subplots(1, len(keys), figsize=(3.0 * len(keys), 3.4), squeeze=False)
    labels = [label for label, _ in model_rows]
    for ax, key in zip(axes[0], keys):
        raw = [row.get(key) for _, row in model_rows]
        values = [level(v) for v in raw]
        errors = [v[1] if isinstance(v, (tuple, list)) and len(v) == 2 and _finite(v[1]) else 0.0 for v in raw]
        ax.bar(range(len(values)), values, color=[f"C{i}" for i in range(len(values))],
               yerr=errors if any(errors) else None, capsize=3)
        for value, style, name in ((real_row.get(key), "-", "real"), (shuffled_row.get(key), "--", "chance")):
            if math.isfinite(level(value)):
                ax.axhline(level(value), color="k", linestyle=style, linewidth=1, label=name)
        ax.set_title(f"{BY_KEY[key].label} ({BY_KEY[key].direction} is better)", fontsize=9)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=35, ha="right", fontsize=8)
    axes[0][0].legend(fontsize=8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return save_figure(fig, path)


def plot_frames(path, strips):
    """One row of frames per (label, uint8 (T, H, W, C) clip): how each model's clip moves."""
    plt = pyplot()
    import numpy as np
    frames = max(len(clip) for _, clip in strips)
    fig, axes = plt.subplots(len(strips), 1, figsize=(min(16, 0.8 * frames + 1.5), 1.0 * len(strips) + 0.3),
                             squeeze=False)
    for ax, (label, clip) in zip(axes[:, 0], strips):
        ax.imshow(np.concatenate(list(clip), axis=1))
        ax.set_yticks([])
        ax.set_xticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    return save_figure(fig, path)
