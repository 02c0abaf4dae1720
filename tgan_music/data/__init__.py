"""Data: synthetic metronome videos, clip extraction (ffmpeg + scikit-video), the clip dataset."""
# Importing the dataset module registers the "clips" dataset component.
from tgan_music.data import dataset  # noqa: F401
from tgan_music.data.dataset import ClipDataset, build_dataset  # noqa: F401
from tgan_music.data.storage import ClipStore  # noqa: F401
