import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import caches

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from .support import serving


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "both_routes: the `serve` processes these tests start answer thumbnail paths once "
        "with the lean route and once with Django's (--no-lean-route)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_routes"):
        metafunc.parametrize("serve_route", serving.ROUTES, indirect=True, scope="module")


@pytest.fixture(scope="module", autouse=True)
def serve_route(request: pytest.FixtureRequest) -> Iterator[str]:
    """The route `serve` answers thumbnails with (tests/support/serving.py).

    Module-scoped: a module's shared `serve` fixture that takes it is started
    again for each route.
    """
    serving.route = getattr(request, "param", "lean")
    yield serving.route
    serving.route = "lean"


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
