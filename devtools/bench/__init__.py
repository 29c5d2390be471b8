"""Benchmarks against the real local stack.

``python -m bench.run_all`` writes docs/benchmarks.md."""
