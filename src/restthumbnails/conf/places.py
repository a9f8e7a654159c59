"""Where the settings point: the source and thumbnail storages, and the URL prefix."""

import functools
import os

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, storages

from .loading import Settings
from .table import BUILTIN_FOLDER
from .values import PREFIX


def source_storage(settings: Settings) -> Storage:
    return storages[settings.source_storage]


def thumbnail_storage_problem(settings: Settings) -> str | None:
    """Why this host has no thumbnail storage, or None when it has one."""
    if settings.storage is None and not django_settings.MEDIA_ROOT:
        return (
            f"{PREFIX}STORAGE is not set, and neither is MEDIA_ROOT: set MEDIA_ROOT "
            f"(thumbnails then go to MEDIA_ROOT/{BUILTIN_FOLDER}/) or name a STORAGES alias "
            "of their own"
        )
    return None


def thumbnail_storage(settings: Settings) -> Storage:
    """The STORAGES alias given, or the built-in folder `thumbnails` under MEDIA_ROOT."""
    if settings.storage is not None:
        return storages[settings.storage]
    problem = thumbnail_storage_problem(settings)
    if problem:
        raise ImproperlyConfigured(problem)
    return builtin_thumbnail_storage()


@functools.cache
def builtin_thumbnail_storage() -> Storage:
    return FileSystemStorage(
        location=os.path.join(django_settings.MEDIA_ROOT, BUILTIN_FOLDER),
        base_url=f"{django_settings.MEDIA_URL or '/'}{BUILTIN_FOLDER}/",
    )


# Any valid thumbnail path: reversed to find where restthumbnails.urls is mounted.
_PROBE = "a/1x1/crop/" + "0" * 64 + ".jpg"


def base_url(settings: Settings) -> str:
    """REST_THUMBNAILS_BASE_URL, or the URL prefix where restthumbnails.urls is mounted.

    Reversing reads the URLconf only (no database, cache or disk), once per process.
    """
    if settings.base_url is not None:
        return settings.base_url
    # Imported when needed: django.urls brings django.http, and serve's lean
    # workers, which always have a base URL, never load it.
    from django.urls import get_script_prefix

    return get_script_prefix() + mounted_path()


def serves_thumbnails() -> bool:
    """True when restthumbnails.urls is mounted in ROOT_URLCONF: this host renders
    and sends thumbnails, so it needs a thumbnail storage of its own."""
    if not hasattr(django_settings, "ROOT_URLCONF"):
        return False
    try:
        mounted_path()
    except ImproperlyConfigured:
        return False
    return True


@functools.cache
def mounted_path() -> str:
    from django.urls import NoReverseMatch, get_script_prefix, reverse

    try:
        url = reverse("restthumbnails:thumbnail", kwargs={"path": _PROBE})
    except NoReverseMatch:
        raise ImproperlyConfigured(
            f"{PREFIX}BASE_URL is not set and restthumbnails.urls is not in ROOT_URLCONF: "
            'add path("thumbnails/", include("restthumbnails.urls")) to your URLs, or set '
            f"{PREFIX}BASE_URL to where the thumbnails are served"
        ) from None
    return url[len(get_script_prefix()) : -len(_PROBE)]
