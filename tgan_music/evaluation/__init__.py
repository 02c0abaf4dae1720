"""Evaluation: rhythm metrics on pixels, the tempo classifier, comparisons."""
