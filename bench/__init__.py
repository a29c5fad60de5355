"""Benchmarks: the cost of a tap, a report, a reminder sweep and a start-up, as ratios against their floors.

`python -m bench` (or `make bench`) runs them all and prints one figure per
line as `name value unit`; a full run also rewrites the figures block of
bench/RESULTS.md. See bench/RESULTS.md for what each figure means.
"""
