"""Evaluation: rhythm metrics on pixels, the tempo classifier, the metrics of one model.

Modules: motion (motion signal, kinematic beats), beats (music beats and tempo from audio or
known ticks), tempo (a signal's dominant tempo, tempo agreement), rhythm (BAS, AV-Align,
phase error), scoring (a clip set's metrics and their shuffled-audio chance level), selection
(the snapshot chosen on a selection clip set; the 95 % t interval over seeds). Comparing several
models (`tgan-music compare`) is a pipeline: tgan_music/pipelines/compare.py.
"""
