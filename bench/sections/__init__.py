"""One module per section of `python -m bench --only NAME`, named after it.

Each has `run(...) -> SectionResult`; the harness around them (sources, peers,
servers, load generators, the report) is in bench/. Scripts a section runs in
a process of its own, often in another library's venv, are in scripts/.
"""
