"""Benchmarks: the service and its floor on loopback, figures to bench/results and docs/."""
