"""Data: synthetic metronome videos, clip extraction (ffmpeg + scikit-video), the clip dataset.

Modules: ``dataset`` (ClipDataset, the dataset component "clips"), ``storage`` (ClipStore),
``extract``, ``metronome`` and ``tempo_curve`` (the synthetic videos), ``synthetic`` (in-memory clips).
"""
