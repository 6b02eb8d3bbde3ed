"""Benchmarks (`make bench`, `python -m bench <scenario>`): speed and memory targets live here."""
