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
def test_bad_values_name_the_setting(settings, name: str, value: object) -> None:  # type: ignore[no-untyped-def]
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        get_settings()


def test_missing_secret_key(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SECRET_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        get_settings()


def test_defaults(settings) -> None:  # type: ignore[no-untyped-def]
    conf = get_settings()
    assert (conf.lock_timeout, conf.lock_wait, conf.max_dimension) == (10.0, 0.0, 4096)
    assert conf.engine.quality == 85 and conf.engine.background == (255, 255, 255)
    assert conf.engine.max_source_pixels == 50_000_000
    assert conf.max_source_bytes == 50 * 1024 * 1024
    assert conf.secret_key == settings.SECRET_KEY
    assert conf.key_prefix == "restthumbnails"
