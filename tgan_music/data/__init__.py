"""Data: synthetic metronome videos, clip extraction (ffmpeg + scikit-video), the clip dataset."""
