"""Scripts the sections run in a process of their own (often another library's venv).

Each is run by its path or with `python -m`; the sections read their last JSON line.
"""
