import pytest
from django.core.checks import run_checks


def ids(settings) -> set[str]:
    return {message.id for message in run_checks() if message.id.startswith("restthumbnails")}


def test_local_memory_lock_cache_and_django_backend_without_debug_warn(settings) -> None:
    settings.DEBUG = False
    assert {"restthumbnails.W001", "restthumbnails.W002"} <= ids(settings)
    hints = {m.id: m.hint for m in run_checks()}
    assert "SILENCED_SYSTEM_CHECKS = ['restthumbnails.W001']" in hints["restthumbnails.W001"]
    assert "SILENCED_SYSTEM_CHECKS = ['restthumbnails.W002']" in hints["restthumbnails.W002"]
    # Under runserver (DEBUG, one process) neither applies.
    settings.DEBUG = True
    assert not {"restthumbnails.W001", "restthumbnails.W002"} & ids(settings)


def test_atomic_cache_and_proxy_backend_are_quiet(settings, tmp_path) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "restthumbnails.sqlite_cache.SQLiteCache",
            "LOCATION": str(tmp_path / "locks.sqlite3"),
        }
    }
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "nginx"
    assert ids(settings) == set()


def test_sources_and_thumbnails_in_one_folder_is_an_error(settings, tmp_path) -> None:
    # One alias for both: every miss would write below a source's own name.
    settings.REST_THUMBNAILS_STORAGE = "sources"
    [error] = [m for m in run_checks() if m.id == "restthumbnails.E004"]
    assert error.msg.startswith("Sources and thumbnails share the storage 'sources'")
    assert error.is_serious()
    # Two aliases, one folder: the same.
    settings.STORAGES = {
        **settings.STORAGES,
        "thumbs-too": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": settings.STORAGES["sources"]["OPTIONS"]["location"]},
        },
    }
    settings.REST_THUMBNAILS_STORAGE = "thumbs-too"
    assert "restthumbnails.E004" in ids(settings)
    # The built-in storage (no STORAGE setting): MEDIA_ROOT/thumbnails, no error.
    del settings.REST_THUMBNAILS_STORAGE
    settings.MEDIA_ROOT = str(tmp_path)
    assert "restthumbnails.E004" not in ids(settings)


def test_every_bad_setting_is_reported_at_once(settings) -> None:
    settings.REST_THUMBNAILS_QUALITY = 0
    settings.REST_THUMBNAILS_BASE_URL = "thumbnails/"
    settings.REST_THUMBNAILS_FALLBACK_IMAGE = "/nowhere/placeholder.png"
    errors = sorted(m.msg for m in run_checks() if m.id == "restthumbnails.E001")
    assert errors == [
        "REST_THUMBNAILS_BASE_URL must start with '/' or 'https://', not 'thumbnails/': "
        "a relative URL would change meaning from page to page",
        "REST_THUMBNAILS_FALLBACK_IMAGE names '/nowhere/placeholder.png', which is not a file",
        "REST_THUMBNAILS_QUALITY must be an integer >= 1, not 0",
    ]


def test_missing_alias_or_key_is_an_error(settings) -> None:
    settings.REST_THUMBNAILS_STORAGE = "nowhere"
    assert "restthumbnails.E001" in ids(settings)
    settings.REST_THUMBNAILS_STORAGE = "thumbnails"
    settings.SECRET_KEY = ""
    assert "restthumbnails.E001" in ids(settings)


def test_a_lock_shorter_than_a_render_can_last_warns(settings) -> None:
    assert "restthumbnails.W004" not in ids(settings)  # the defaults fit: 10 >= 2 + 8
    settings.REST_THUMBNAILS_GENERATION_TIMEOUT = 30
    assert "restthumbnails.W004" in ids(settings)


def test_a_response_backend_that_does_not_import_is_an_error(settings) -> None:
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "nope.respond"
    messages = [m for m in run_checks() if m.id == "restthumbnails.E001"]
    assert messages and "RESPONSE_BACKEND cannot be imported" in messages[0].msg


def test_sendfile_needs_local_files(settings) -> None:
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "sendfile"
    assert "restthumbnails.E003" not in ids(settings)
    # The base Storage has no path(), like every object storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "thumbnails": {"BACKEND": "django.core.files.storage.Storage"},
    }
    assert "restthumbnails.E003" in ids(settings)


def key_warnings() -> list[str]:
    return [m.msg for m in run_checks() if m.id == "restthumbnails.W005"]


def test_the_test_key_and_the_key_serve_generates_are_long_enough(settings) -> None:
    import secrets

    assert key_warnings() == []  # tests/settings.py: 34 characters
    settings.REST_THUMBNAILS_SECRET_KEY = secrets.token_urlsafe(48)  # as keys.resolve_key
    assert key_warnings() == []


def test_short_or_repetitive_keys_warn_naming_the_setting(settings) -> None:
    settings.REST_THUMBNAILS_SECRET_KEY = "thumbs-key"  # 10 characters
    settings.REST_THUMBNAILS_SECRET_KEY_FALLBACKS = [
        "a" * 40,
        "x" * 10 + "long-old-key-0123456789",
    ]
    assert key_warnings() == [
        "REST_THUMBNAILS_SECRET_KEY, which signs thumbnail URLs, has fewer than 32 characters "
        "or fewer than 5 different ones: a key that short can be guessed offline from any "
        "URL a page publishes.",
        "REST_THUMBNAILS_SECRET_KEY_FALLBACKS[0], which signs thumbnail URLs, has fewer than "
        "32 characters or fewer than 5 different ones: a key that short can be guessed "
        "offline from any URL a page publishes.",
    ]


def test_short_django_keys_warn_under_their_own_names(settings) -> None:
    settings.SECRET_KEY = "short-site-key"
    settings.SECRET_KEY_FALLBACKS = ["older-site-key"]
    warned = [message.split(",")[0] for message in key_warnings()]
    assert warned == ["SECRET_KEY", "SECRET_KEY_FALLBACKS[0]"]


def test_fallbacks_given_as_a_string_stop_start_up(settings) -> None:
    settings.REST_THUMBNAILS_SECRET_KEY_FALLBACKS = "old-thumbnail-key"
    errors = [m for m in run_checks() if m.id == "restthumbnails.E001"]
    assert [error.msg for error in errors] == [
        "REST_THUMBNAILS_SECRET_KEY_FALLBACKS must be a list or tuple of keys, not a str"
    ]
    assert errors[0].is_serious()


def test_inline_rendering_in_production_warns_and_a_bad_pool_is_an_error(settings) -> None:
    settings.REST_THUMBNAILS_RENDER_POOL = "inline"
    settings.DEBUG = False
    assert "restthumbnails.W006" in ids(settings)
    settings.DEBUG = True
    assert "restthumbnails.W006" not in ids(settings)
    settings.REST_THUMBNAILS_RENDER_POOL = "run/pool.sock"
    errors = [m for m in run_checks() if m.id == "restthumbnails.E001"]
    assert [m.msg for m in errors] == [
        "REST_THUMBNAILS_RENDER_POOL must be 'processes', 'inline' or the absolute path "
        "of a render pool's socket"
    ]


@pytest.mark.urls("tests.urlconfs.urls_without_thumbnails")
def test_no_base_url_and_no_mount_is_an_error(settings) -> None:
    del settings.REST_THUMBNAILS_BASE_URL
    [error] = [m for m in run_checks() if m.id == "restthumbnails.E005"]
    assert "restthumbnails.urls is not in ROOT_URLCONF" in error.msg
    settings.REST_THUMBNAILS_BASE_URL = "https://thumbs.example.com/"
    assert "restthumbnails.E005" not in ids(settings)
