"""Names users typed before the package was grouped by role still work.

Settings files name plugins by dotted path (REST_THUMBNAILS_ENGINE,
REST_THUMBNAILS_RESPONSE_BACKEND) and old installs run `restthumbnails.cli:main`;
each old path must load the same object as the new one.
"""

import pytest

from restthumbnails.conf import get_settings
from restthumbnails.render import engine
from restthumbnails.serving.responses import django, nginx, redirect, sendfile


@pytest.mark.parametrize(
    ("old_path", "module"),
    [
        ("restthumbnails.responses.django.respond", django),
        ("restthumbnails.responses.nginx.respond", nginx),
        ("restthumbnails.responses.sendfile.respond", sendfile),
        ("restthumbnails.responses.redirect.respond", redirect),
    ],
)
def test_old_response_backend_path_loads_the_moved_backend(settings, old_path, module):
    """RESPONSE_BACKEND 'restthumbnails.responses.nginx.respond' -> serving.responses.nginx."""
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = old_path
    assert get_settings().respond is module.respond


def test_old_engine_path_loads_the_moved_engine_in_process_and_in_the_pool(settings):
    """ENGINE 'restthumbnails.engine.render' -> render.engine, also the path sent to workers."""
    settings.REST_THUMBNAILS_ENGINE = "restthumbnails.engine.render"
    current = get_settings()
    assert current.render is engine.render
    assert current.engine_path == "restthumbnails.render.engine.render"


def test_old_vips_engine_path_names_the_moved_module(settings):
    """ENGINE 'restthumbnails.vips_engine.render' -> render.vips_engine (when pyvips loads)."""
    settings.REST_THUMBNAILS_ENGINE = "restthumbnails.vips_engine.render"
    assert get_settings().engine_path == "restthumbnails.render.vips_engine.render"
    vips_engine = pytest.importorskip("restthumbnails.render.vips_engine")
    assert get_settings().render is vips_engine.render


def test_old_cli_entry_point_runs_the_command_line(capsys):
    """`restthumbnails.cli:main` (the console script of older installs) still answers --version."""
    from restthumbnails import __version__
    from restthumbnails.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_dotted_path_is_left_as_typed(settings):
    """A user's own engine path is not rewritten: 'tests.support.engines.spin' stays itself."""
    settings.REST_THUMBNAILS_ENGINE = "tests.support.engines.spin"
    assert get_settings().engine_path == "tests.support.engines.spin"


def test_the_sqlite_cache_keeps_the_dotted_path_caches_settings_name(settings, tmp_path) -> None:
    """CACHES BACKEND 'restthumbnails.sqlite_cache.SQLiteCache' (serve writes it, sites
    type it) loads the cache that now lives in storage/, and it stores and reads back."""
    from django.core.cache import caches
    from django.utils.module_loading import import_string

    from restthumbnails.storage.sqlite_cache import SQLiteCache

    assert import_string("restthumbnails.sqlite_cache.SQLiteCache") is SQLiteCache
    settings.CACHES = {
        **settings.CACHES,
        "aliased": {
            "BACKEND": "restthumbnails.sqlite_cache.SQLiteCache",
            "LOCATION": str(tmp_path / "aliased-cache.sqlite3"),
        },
    }
    cache = caches["aliased"]
    assert isinstance(cache, SQLiteCache)
    assert cache.add("k", "v", 30) and cache.get("k") == "v"
