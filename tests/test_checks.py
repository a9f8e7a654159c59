from django.core.checks import run_checks


def ids(settings) -> set[str]:  # type: ignore[no-untyped-def]
    return {message.id for message in run_checks() if message.id.startswith("restthumbnails")}


def test_local_memory_lock_cache_and_django_backend_without_debug_warn(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    assert {"restthumbnails.W001", "restthumbnails.W002"} <= ids(settings)


def test_atomic_cache_and_proxy_backend_are_quiet(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {
            "BACKEND": "restthumbnails.sqlite_cache.SQLiteCache",
            "LOCATION": str(tmp_path / "locks.sqlite3"),
        }
    }
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "nginx"
    assert ids(settings) == set()


def test_same_storage_for_sources_and_thumbnails_warns(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REST_THUMBNAILS_STORAGE = "sources"
    assert "restthumbnails.W003" in ids(settings)


def test_missing_alias_or_key_is_an_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REST_THUMBNAILS_STORAGE = "nowhere"
    assert "restthumbnails.E001" in ids(settings)
    settings.REST_THUMBNAILS_STORAGE = "thumbnails"
    settings.SECRET_KEY = ""
    assert "restthumbnails.E001" in ids(settings)
