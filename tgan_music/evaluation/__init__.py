"""Evaluation: rhythm metrics on pixels, the tempo classifier, comparisons.

Modules: motion (motion signal, kinematic beats), beats (music beats and tempo from audio or
known ticks), tempo (a signal's dominant tempo, tempo agreement), rhythm (BAS, AV-Align,
phase error), scoring (a clip set's metrics and their shuffled-audio chance level), selection
(the snapshot chosen on a selection clip set; the 95 % t interval over seeds), compare.
"""
