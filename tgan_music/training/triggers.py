"""When the trainer's extensions run: the snapshots, previews and metrics share one rule."""


def every_and_last(interval, total):
    """A trigger firing every ``interval`` iterations, at the last one (``total``) and when the
    run stops early on its CPU-time budget (the updater's ``out_of_time``)."""
    def due(trainer):
        it = trainer.updater.iteration
        return it > 0 and (it % interval == 0 or it >= total or getattr(trainer.updater, "out_of_time", False))
    return due
