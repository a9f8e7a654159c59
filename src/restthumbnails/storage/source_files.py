"""Models' file fields and the source storage: where uploads land, and whether a new
upload can take an old file's name.

A thumbnail's URL is derived from its source's name alone, so two promises must hold
for a model's pictures: they are stored where thumbnails read sources from, and a new
picture never gets an old picture's name (or that name's thumbnails, which a proxy, a
bucket and every CDN keep for a year, would show the old picture). Only string and
attribute work here: no storage is asked anything.
"""

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core.files.storage import Storage
from django.db.models import FileField, ImageField, Model
from django.utils.functional import LazyObject, empty

from .access import access_for


def unwrapped(storage: Any) -> Storage:
    """The storage itself, not Django's lazy `default_storage` around it."""
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage


def place(storage: Storage) -> tuple[str, tuple[str, ...]] | None:
    """Where a storage keeps its files: a folder, or a bucket and a prefix; None when
    the kind of storage is not one we can tell."""
    try:
        return access_for(unwrapped(storage)).root()
    except Exception:  # a storage whose root cannot be named: treated as unknown
        return None


def same_place(one: Storage, other: Storage) -> bool | None:
    """True or False when it can be told, None for storages of kinds we do not know."""
    if unwrapped(one) is unwrapped(other):
        return True
    where, elsewhere = place(one), place(other)
    if where is None or elsewhere is None:
        return None
    return where == elsewhere


def overwrite_option(storage: Storage) -> str | None:
    """The option that makes `storage` save a new file over an existing one of the same
    name, as it appears in STORAGES' OPTIONS; None when it keeps both."""
    return access_for(unwrapped(storage)).overwrite_option()


def file_fields(*, images_only: bool = False) -> Iterator[tuple[type[Model], FileField]]:
    """Every FileField (or only ImageField) of every installed model."""
    kind = ImageField if images_only else FileField
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, kind) and field.concrete:
                yield model, field


def label(model: type[Model], field: FileField) -> str:
    return f"{model._meta.label}.{field.name}"
