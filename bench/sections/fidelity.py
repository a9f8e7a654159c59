"""Output size and fidelity: our bytes vs thumbor's for the same request, with SSIM.

Ours comes from the engine in-process (the server writes exactly those bytes);
thumbor's over HTTP, at its defaults (QUALITY 80, progressive JPEG).
"""

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from restthumbnails.core.spec import make_spec
from restthumbnails.render.engine import render
from restthumbnails.render.options import EngineOptions

from ..loadgen import fetch
from ..peers import Peer
from ..results import SectionResult, Table, ratio
from ..servers import start_thumbor

THUMBOR_QUALITY = 80
SRC = Path(__file__).resolve().parents[2] / "src"
SSIM_SCRIPT = Path(__file__).resolve().parent / "scripts" / "ssim.py"
# (source file, size, method, ext, thumbor's path for the same request)
CASES = (
    ("jpeg12.jpg", "200x200", "crop", "jpg", "200x200"),
    ("jpeg12.jpg", "800x", "scale", "jpg", "800x0"),
    ("jpeg12.jpg", "800x", "scale", "webp", "800x0/filters:format(webp)"),
    ("png12.png", "200x200", "crop", "jpg", "200x200/filters:format(jpeg)"),
)


def run(
    tools: Peer, thumbor: Peer, media: Path, work: Path, log: Callable[[str], None]
) -> SectionResult:
    result = SectionResult()
    folder = work / "fidelity"
    folder.mkdir(parents=True, exist_ok=True)
    server = start_thumbor(thumbor, media, work, processes=1)
    jobs, files = [], []
    try:
        for index, (name, size, method, ext, theirs) in enumerate(CASES):
            ours_file = folder / f"{index}-ours.{ext}"
            ours_file.write_bytes(
                render(
                    (media / name).read_bytes(),
                    make_spec(name, size, method, ext),
                    EngineOptions(),
                )
            )
            status, body = fetch(f"{server.base}/unsafe/{theirs}/{name}")
            # The same encoder at thumbor's quality: is a size gap the setting or the path?
            q80_file = folder / f"{index}-ours-q80.{ext}"
            q80_file.write_bytes(
                render(
                    (media / name).read_bytes(),
                    make_spec(name, size, method, ext),
                    EngineOptions(quality=THUMBOR_QUALITY),
                )
            )
            theirs_file = folder / f"{index}-thumbor.{ext}"
            theirs_file.write_bytes(body if status == 200 else b"")
            jobs.append(
                {
                    "source": str(media / name),
                    "size": size,
                    "method": method,
                    "candidates": [str(ours_file), str(q80_file)]
                    + ([str(theirs_file)] if status == 200 else []),
                }
            )
            files.append((name, size, method, ext, ours_file, q80_file, theirs_file))
    finally:
        server.stop()
    (folder / "jobs.json").write_text(json.dumps(jobs))
    done = subprocess.run(
        [str(tools.python), str(SSIM_SCRIPT), str(folder / "jobs.json")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    scores = json.loads(done.stdout.strip().splitlines()[-1])
    table = Table(
        "Output size and fidelity at default settings (SSIM vs a full-resolution LANCZOS "
        "reference, 1.0 = identical)",
        [
            "request",
            "ours bytes",
            "thumbor bytes",
            "ours / thumbor",
            "ours SSIM",
            "thumbor SSIM",
            f"ours q{THUMBOR_QUALITY} bytes",
            f"ours q{THUMBOR_QUALITY} / thumbor",
            f"ours q{THUMBOR_QUALITY} SSIM",
        ],
    )
    for name, size, method, ext, ours_file, q80_file, theirs_file in files:
        ours_bytes, q80_bytes = ours_file.stat().st_size, q80_file.stat().st_size
        their_bytes = theirs_file.stat().st_size
        table.rows.append(
            [
                f"{name} {size} {method} .{ext}",
                f"{ours_bytes:,}",
                f"{their_bytes:,}" if their_bytes else "failed",
                ratio(ours_bytes, their_bytes) if their_bytes else "n/a",
                _score(scores.get(str(ours_file))),
                _score(scores.get(str(theirs_file))),
                f"{q80_bytes:,}",
                ratio(q80_bytes, their_bytes) if their_bytes else "n/a",
                _score(scores.get(str(q80_file))),
            ]
        )
        log(
            f"  fidelity {name} {size} {method} {ext}: "
            f"ours {ours_bytes} B, thumbor {their_bytes} B"
        )
    table.notes.append(
        "Ours: QUALITY 85, baseline JPEG (Huffman tables optimised up to 0.3 MP); WebP "
        "quality 85. "
        "thumbor: its defaults (QUALITY 80, PROGRESSIVE_JPEG). SSIM on luma, 7x7 window."
    )
    result.tables.append(table)
    return result


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"
