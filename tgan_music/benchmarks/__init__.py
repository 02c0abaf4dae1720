"""Benchmarks behind `tgan-music bench` and tools/bench_*.py; each prints its figures last."""
