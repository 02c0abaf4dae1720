"""Every metric the evaluations report: key, label, number format and which way is better.

Tables, plots, the validation command, the demo's summary and the training metric read their
metrics from METRICS; each table picks its columns by key. No heavy imports.
"""
from typing import NamedTuple


class Metric(NamedTuple):
    key: str
    label: str
    format: str       # str.format of one value
    direction: str    # "higher" or "lower": which way is better
    kind: str         # see KINDS

    @property
    def higher_is_better(self):
        return self.direction == "higher"


# rhythm: scoring.score_clips' metrics that evaluations keep; rhythm_diagnostic: score_clips'
# too, shown by the validation table only; derived: from the others (songs benchmark,
# comparison); video: of the pictures alone; classifier: of the tempo classifier.
KINDS = ("rhythm", "rhythm_diagnostic", "derived", "video", "classifier")

# In the order of docs/metrics.md (the validation table's order).
METRICS = (
    Metric("bas_fact", "BAS (FACT)", "{:.3f}", "higher", "rhythm"),
    Metric("bas_bailando", "BAS (Bailando)", "{:.3f}", "higher", "rhythm"),
    Metric("av_align", "AV-Align", "{:.3f}", "higher", "rhythm"),
    Metric("av_align_peaks", "AV-Align (motion peaks)", "{:.3f}", "higher", "rhythm_diagnostic"),
    Metric("tempo_acc4", "tempo ±4 %", "{:.2f}", "higher", "rhythm"),
    Metric("tempo_acc8", "tempo ±8 %", "{:.2f}", "higher", "rhythm"),
    Metric("tempo_double", "double tempo", "{:.2f}", "lower", "rhythm"),
    Metric("tempo_half", "half tempo", "{:.2f}", "lower", "rhythm"),
    Metric("tempo_triple", "triple tempo", "{:.2f}", "lower", "rhythm_diagnostic"),
    Metric("tempo_third", "third of the tempo", "{:.2f}", "lower", "rhythm_diagnostic"),
    Metric("tempo_other", "other tempo", "{:.2f}", "lower", "rhythm"),
    Metric("tempo_octave", "octave errors", "{:.2f}", "lower", "derived"),
    Metric("phase_error", "phase error", "{:.3f}", "lower", "rhythm"),
    # Signed: lower means nearer 0 (on the beat) only for its size.
    Metric("phase_offset", "minima phase (beats)", "{:+.3f}", "lower", "derived"),
    Metric("phase_consistency", "phase consistency", "{:.2f}", "higher", "rhythm"),
    Metric("flicker", "flicker", "{:.2f}", "lower", "video"),
    Metric("flicker_ratio", "flicker / bar's", "{:.2f}", "lower", "video"),
    Metric("seed_spread", "seed spread", "{:.2f}", "higher", "video"),
    Metric("picture_spread", "picture spread", "{:.2f}", "higher", "video"),
    Metric("cls_acc", "classifier acc", "{:.2f}", "higher", "classifier"),
    Metric("cls_acc1", "acc ±1 bin", "{:.2f}", "higher", "classifier"),
    Metric("fd", "FD", "{:.2f}", "lower", "classifier"),
    Metric("is", "IS", "{:.2f}", "higher", "classifier"),
)
BY_KEY = {m.key: m for m in METRICS}

# The main figures: the training metric's default keys, the validation's last line, the demo.
HEADLINE = ("bas_fact", "bas_bailando", "av_align", "tempo_acc8", "phase_error")


def columns(keys):
    """The Metric of each key, in the order given (a table's columns)."""
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown:
        raise KeyError(f"metrics not in METRICS: {', '.join(unknown)}")
    return tuple(BY_KEY[k] for k in keys)


def keys_of(*kinds):
    """The keys of the metrics of ``kinds``, in METRICS' order."""
    return tuple(m.key for m in METRICS if m.kind in kinds)
