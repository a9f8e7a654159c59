import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import caches

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec


@pytest.fixture
def media(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    return folder


@pytest.fixture
def thumbs(tmp_path: Path) -> Path:
    folder = tmp_path / "thumbs"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True)
def storages_in_tmp(settings, media: Path, thumbs: Path) -> None:
    """Every test gets its own source and thumbnail folders and an empty lock cache."""
    settings.STORAGES = {
        **settings.STORAGES,
        "sources": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
        "thumbnails": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(thumbs)},
        },
    }
    caches["default"].clear()


@pytest.fixture
def signed_path(settings) -> Callable[..., str]:
    """URL path (below /t/) of a thumbnail, signed with the current key."""

    def build(source: str, size: str, method: str = "crop", ext: str = "jpg") -> str:
        spec = make_spec(source, size, method, ext)
        return spec.name(sign(spec, key=settings.SECRET_KEY))

    return build


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="restthumbnails")
    return caplog


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
