import pytest
from django.core.exceptions import ImproperlyConfigured

from restthumbnails.conf import get_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REST_THUMBNAILS_LOCK_TIMEOUT", 0),
        ("REST_THUMBNAILS_LOCK_TIMEOUT", "10"),
        ("REST_THUMBNAILS_LOCK_WAIT", -1),
        ("REST_THUMBNAILS_MAX_DIMENSION", 0),
        ("REST_THUMBNAILS_MAX_SOURCE_PIXELS", 1.5),
        ("REST_THUMBNAILS_MAX_SOURCE_BYTES", True),
        ("REST_THUMBNAILS_QUALITY", 101),
        ("REST_THUMBNAILS_BACKGROUND", "not-a-colour"),
        ("REST_THUMBNAILS_RESPONSE_BACKEND", "apache"),
        ("REST_THUMBNAILS_SOURCE_FORMATS", ["JPEG", "EPS"]),
        ("REST_THUMBNAILS_STORAGE", "missing-alias"),
        ("REST_THUMBNAILS_SOURCE_STORAGE", "missing-alias"),
        ("REST_THUMBNAILS_CACHE", "missing-alias"),
        ("REST_THUMBNAILS_UPSCALE", "yes"),
        ("REST_THUMBNAILS_NGINX_LOCATION", "no-slash"),
        ("REST_THUMBNAILS_BASE_URL", ""),
        ("REST_THUMBNAILS_ENGINE", "imagemagick"),
        ("REST_THUMBNAILS_SENDFILE_ESCAPE", "yes"),
    ],
)
def test_bad_values_name_the_setting(settings, name: str, value: object) -> None:
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        get_settings()


def test_missing_secret_key(settings) -> None:
    settings.SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        get_settings()


def test_defaults(settings) -> None:
    conf = get_settings()
    assert (conf.lock_timeout, conf.lock_wait, conf.max_dimension) == (10.0, 0.0, 4096)
    assert conf.engine.quality == 85 and conf.engine.background == (255, 255, 255)
    assert conf.engine.max_source_pixels == 50_000_000
    assert conf.max_source_bytes == 50 * 1024 * 1024
    assert conf.secret_key == settings.SECRET_KEY
    assert conf.key_prefix == "restthumbnails"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        # A string would be iterated into one-character keys.
        (
            "REST_THUMBNAILS_SECRET_KEY_FALLBACKS",
            "old-thumbnail-key",
            "REST_THUMBNAILS_SECRET_KEY_FALLBACKS must be a list or tuple of keys, not a str",
        ),
        (
            "REST_THUMBNAILS_SECRET_KEY_FALLBACKS",
            ["old-thumbnail-key", ""],
            "REST_THUMBNAILS_SECRET_KEY_FALLBACKS must hold only non-empty strings",
        ),
        (
            "REST_THUMBNAILS_SECRET_KEY_FALLBACKS",
            [b"bytes-key"],
            "REST_THUMBNAILS_SECRET_KEY_FALLBACKS must hold only non-empty strings",
        ),
        # Django's own fallbacks are read when ours are unset, and checked the same way.
        (
            "SECRET_KEY_FALLBACKS",
            "old-site-key",
            "SECRET_KEY_FALLBACKS (used while REST_THUMBNAILS_SECRET_KEY_FALLBACKS is unset) "
            "must be a list or tuple of keys, not a str",
        ),
        # Set but empty never silently means "use SECRET_KEY instead".
        (
            "REST_THUMBNAILS_SECRET_KEY",
            "",
            "REST_THUMBNAILS_SECRET_KEY must be a non-empty string (or unset to use SECRET_KEY)",
        ),
        (
            "REST_THUMBNAILS_SECRET_KEY",
            12345,
            "REST_THUMBNAILS_SECRET_KEY must be a non-empty string",
        ),
    ],
)
def test_keys_are_non_empty_strings_and_fallbacks_a_list_of_them(
    settings, name: str, value: object, message: str
) -> None:
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured) as raised:
        get_settings()
    assert str(raised.value).startswith(message)
    # The message names the setting but never repeats a key.
    assert "old-" not in str(raised.value) and "bytes-key" not in str(raised.value)


def test_fallbacks_as_a_list_or_tuple_are_kept_in_order(settings) -> None:
    settings.REST_THUMBNAILS_SECRET_KEY_FALLBACKS = ["first-old-key", "second-old-key"]
    assert get_settings().secret_key_fallbacks == ("first-old-key", "second-old-key")
    del settings.REST_THUMBNAILS_SECRET_KEY_FALLBACKS
    settings.SECRET_KEY_FALLBACKS = ("site-old-key",)
    assert get_settings().secret_key_fallbacks == ("site-old-key",)
