"""Renders in a fresh interpreter, to see what the engine imports and when.

The test process has imported far more than a render process ever does, so what a
render process holds can only be read in a new one.
"""

import subprocess
import sys

# Defines render(path, formats=the default SOURCE_FORMATS): a 40x40 crop to JPEG,
# True when it gave bytes.
_PREAMBLE = """
import sys
from restthumbnails.core.spec import make_spec
from restthumbnails.render import engine
from restthumbnails.render.options import DEFAULT_SOURCE_FORMATS, EngineOptions

def render(path, formats=DEFAULT_SOURCE_FORMATS):
    with open(path, "rb") as source:
        spec = make_spec("a.jpg", "40x40", "crop", "jpg")
        thumbnail = engine.render(source, spec, EngineOptions(source_formats=formats))
    return len(thumbnail) > 0
"""


def run_after_render_preamble(script: str, *args: str) -> list[str]:
    """Run `script`, which may call render(), in a new interpreter with `args` as
    sys.argv[1:]; the lines it printed (it must exit 0)."""
    done = subprocess.run(
        [sys.executable, "-c", _PREAMBLE + script, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()
