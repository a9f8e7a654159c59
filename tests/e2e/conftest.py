"""Fixtures for the end-to-end tests: real servers on 127.0.0.1, in temp folders.

A missing Debian package skips the test with the package's name on a
developer's machine, and fails it under CI=true (see `support.missing`).
Run only these: `pytest tests/e2e`; everything else: `pytest -m "not e2e"`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from .proxies import EXAMPLES
from .stack import Stack, copy_media, public_folder

BIG_SOURCE = "big.png"
BIG_SIZE = (7000, 5000)  # 35 MP: about a second to decode, every time


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: starts real servers (nginx, Redis, Chromium...)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def e2e_root() -> Iterator[Path]:
    """One public temp folder per session: proxies' workers run as other users."""
    root = Path(tempfile.mkdtemp(prefix="restthumbnails-e2e-"))
    root.chmod(0o755)
    yield root
    if not os.environ.get("RESTTHUMBNAILS_KEEP_E2E"):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def workdir(e2e_root: Path, request: pytest.FixtureRequest) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)[:60]
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=e2e_root))
    folder.chmod(0o755)
    return folder


@pytest.fixture
def stack(workdir: Path) -> Iterator[Stack]:
    """Starts servers for one test and stops each by its PID afterwards, pass or fail."""
    servers = Stack(workdir)
    try:
        yield servers
    finally:
        # Printed during teardown: pytest shows it with a failing test's report.
        for report in servers.stop_all():
            print(report)


@pytest.fixture
def thumbnails_dir(workdir: Path) -> Path:
    return public_folder(workdir, "thumbnails")


@pytest.fixture(scope="session")
def sample_media(e2e_root: Path) -> Path:
    """A copy of examples/media (jpg, png, webp, gif, a name with a space and accents)."""
    return copy_media(EXAMPLES / "media", e2e_root / "media")


@pytest.fixture(scope="session")
def big_media(e2e_root: Path) -> Path:
    """A folder with one 35 MP PNG, made once per session (PNG has no DCT shortcut)."""
    folder = public_folder(e2e_root, "big-media")
    width, height = BIG_SIZE
    small = (width // 20, height // 20)
    channels = [
        Image.effect_noise(small, 60),
        Image.linear_gradient("L").resize(small),
        Image.radial_gradient("L").resize(small),
    ]
    picture = Image.merge("RGB", channels).resize(BIG_SIZE, Image.Resampling.BILINEAR)
    picture.save(folder / BIG_SOURCE, "PNG", compress_level=1)
    (folder / BIG_SOURCE).chmod(0o644)
    return folder
