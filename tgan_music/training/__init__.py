"""Training on Chainer's Trainer: updater, losses, clipping schedule, snapshots, previews."""
