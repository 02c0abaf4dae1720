"""Training on Chainer's Trainer: updater, losses, clipping schedule, snapshots, previews."""
from tgan_music.training import losses  # noqa: F401  (registers the losses)
