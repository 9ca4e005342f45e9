"""The benchmark: Kavosh against the engines a user would pick instead.

Run it with `make bench` (or `python -m bench`); see `bench/__main__.py` for
the options and `bench/RESULTS.md` for the last full run.
"""
