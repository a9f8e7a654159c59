"""The benchmark suite behind `make bench` (run as `python -m bench`)."""
