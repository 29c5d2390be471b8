"""Benchmarks against the real local stack.

``python -m devtools.bench.run_all`` writes docs/benchmarks.md."""
