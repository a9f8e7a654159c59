"""Install lanes: the built wheel in a fresh virtualenv per lane, bare or with one extra.

`python -m tests.lanes` (the Makefile's `lanes` target) builds the sdist and the wheel
once, collects every dependency into one local wheelhouse, then gives each lane a venv
with only `restthumbnails-*.whl[EXTRA]` and runs its smoke script, lane_<name>.py, with
that venv's python: what a user of `pip install 'restthumbnails[EXTRA]'` would run.
The smoke scripts import only the standard library, kit.py and what their lane installs.
"""
