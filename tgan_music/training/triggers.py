"""When the run ends and when the trainer's extensions run: the stop rule, and the one
"every N iterations and at the end" rule that snapshots, previews and metrics share."""


def run_over(trainer, total):
    """True once the run has reached iteration ``total`` or, sooner, spent its CPU-time budget
    (the updater's ``out_of_time``)."""
    return trainer.updater.iteration >= total or getattr(trainer.updater, "out_of_time", False)


class StopTrigger:
    """Stops at ``train.iterations`` or, sooner, when the run has spent ``train.cpu_seconds`` of
    process CPU time (the updater's count, kept in snapshots): arms of an ablation compared at
    equal CPU time rather than equal iterations."""

    def __init__(self, total):
        self.total = total

    def get_training_length(self):
        return self.total, "iteration"

    def __call__(self, trainer):
        return run_over(trainer, self.total)


def every_and_last(interval, total):
    """A trigger firing every ``interval`` iterations and when the run ends (``run_over``)."""
    def due(trainer):
        it = trainer.updater.iteration
        return it > 0 and (it % interval == 0 or run_over(trainer, total))
    return due
