"""Benchmarks for predtrack: a synthetic data generator and a runner (see docs/performance.md)."""
