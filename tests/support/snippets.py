"""Code blocks of README.md and docs/*.md, taken from the Markdown itself.

A block is named by an HTML comment on the line before its fence, which rendered
Markdown does not show:

    <!-- snippet: s3-settings -->
    ```python
    ...
    ```

so a test runs the text a reader copies, never a copy of it in the test.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_MARKER = re.compile(r"<!-- snippet: (\S+) -->")
_FENCE = re.compile(r"^(```|~~~)")


def snippet(doc: str, name: str) -> str:
    """The block marked `name` in `doc` (a path from the repository's root)."""
    lines = (ROOT / doc).read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        match = _MARKER.fullmatch(line.strip())
        if match is None or match[1] != name:
            continue
        start = index + 1
        assert _FENCE.match(lines[start].strip()), f"{doc}: no code block after snippet {name}"
        end = next(i for i in range(start + 1, len(lines)) if _FENCE.match(lines[i].strip()))
        return "\n".join(lines[start + 1 : end]) + "\n"
    raise AssertionError(f"{doc} has no block marked <!-- snippet: {name} -->")


def names(doc: str) -> list[str]:
    return _MARKER.findall((ROOT / doc).read_text(encoding="utf-8"))
