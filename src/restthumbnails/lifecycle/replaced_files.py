"""A model's file replaced or deleted: the thumbnails of its name go too.

A thumbnail's URL is its source's name, so a new picture saved under a name that an
old picture had (a storage that overwrites, or a name freed by deleting the old file)
would otherwise be shown through the old thumbnails, which stay in the thumbnail
folder or bucket forever. For every model field whose files are in the source
storage, as sorl-thumbnail's `delete()` does for its own thumbnails:

- a save that writes a new upload into the field (a form, the admin, assigning a
  File), or gives it another name: the thumbnails of the new name are removed (a
  fresh name has none: one listing that finds nothing), and those of the name it
  replaced;
- a deleted row: the thumbnails of its files.

Removal happens at once, not when the transaction commits: the new file is already
in the storage by then, whatever the transaction does. A failed removal is logged
and never fails the save. A CDN in front keeps what it has: that is why check E014
refuses a source storage that overwrites (docs/django.md#restthumbnailse014).
"""

import logging
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model
from django.db.models.signals import post_delete, post_init, post_save, pre_save

from ..conf import get_settings, source_storage, thumbnail_storage, thumbnail_storage_problem
from ..core.logsafe import redact
from ..core.spec import parse_path, validate_source
from ..exceptions import InvalidSpec, ThumbnailError
from ..storage.source_files import file_fields, same_place
from .cleaning import Removal, remover_for
from .listing import walk

logger = logging.getLogger("restthumbnails")
DISPATCH = "restthumbnails.replaced_files"
# On each instance: the file names it was loaded (or last saved) with, and the
# fields whose new upload this save writes.
SEEN = "_restthumbnails_loaded_files"
UPLOADING = "_restthumbnails_uploading"

# model label -> names of its fields whose files are sources; filled by connect().
_watched: dict[str, tuple[str, ...]] = {}


def connect() -> None:
    """Watch the models whose file fields store in the source storage (AppConfig.ready)."""
    _watched.clear()
    try:
        sources = source_storage(get_settings())
    except ImproperlyConfigured:
        return  # check E001 says why
    fields: dict[type[Model], list[str]] = {}
    for model, field in file_fields():
        # A storage of a kind we cannot place may well be the source storage: watched.
        if same_place(field.storage, sources) is not False:
            fields.setdefault(model, []).append(field.attname)
    for model, names in fields.items():
        _watched[model._meta.label_lower] = tuple(names)
        uid = f"{DISPATCH}:{model._meta.label_lower}"
        post_init.connect(remember, sender=model, dispatch_uid=uid)
        pre_save.connect(mark_uploads, sender=model, dispatch_uid=uid)
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def _names(instance: Model) -> tuple[str, ...]:
    return _watched.get(instance._meta.label_lower, ())


def _loaded_name(instance: Model, attname: str) -> str | None:
    """The name of the field's stored file ("" for none) without opening anything; None
    when the field was deferred or holds an upload not stored yet (its name is not
    the one the storage will give it)."""
    if attname not in instance.__dict__:  # deferred: not loaded, and not worth a query
        return None
    value = instance.__dict__[attname]
    if value is None or isinstance(value, str):
        return value or ""
    if not getattr(value, "_committed", False):
        return None
    return str(value.name or "")


def remember(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    instance.__dict__[SEEN] = {name: _loaded_name(instance, name) for name in _names(instance)}


def mark_uploads(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """Before the fields write their files: which ones hold an upload not yet stored."""
    uploading = set()
    for attname in _names(instance):
        if attname not in instance.__dict__:  # deferred, so not assigned either
            continue
        # Through the descriptor, which wraps an assigned File in an uncommitted
        # FieldFile (no I/O): the field's own pre_save will store it.
        value = getattr(instance, attname)
        if value and not getattr(value, "_committed", True):
            uploading.add(attname)
    instance.__dict__[UPLOADING] = uploading


def uploading(instance: Model) -> set[str]:
    """The fields whose new upload the current save wrote (for post_save receivers)."""
    return set(instance.__dict__.get(UPLOADING, ()))


def _saved(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    seen = instance.__dict__.setdefault(SEEN, {})
    written = uploading(instance)
    for attname in _names(instance):
        current = _loaded_name(instance, attname)
        if current is None:
            continue
        before = seen.get(attname)
        if attname in written or (before is not None and current != before):
            if current:
                remove_thumbnails(current)
            if before and before != current:
                remove_thumbnails(before)
        seen[attname] = current


def _deleted(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    for attname in _names(instance):
        name = _loaded_name(instance, attname)
        if name:
            remove_thumbnails(name)


def remove_thumbnails(source: str) -> int:
    """Remove every thumbnail of the source `source`; how many went. Never raises."""
    try:
        conf = get_settings()
        if thumbnail_storage_problem(conf):
            return 0  # a page host: the thumbnail host has the thumbnails
        validate_source(source)
        storage = thumbnail_storage(conf)
        remover = remover_for(storage)
        done: list[Removal] = []
        # Below the folder named after the source: its thumbnails, and those of sources
        # whose names continue it ("a.jpg/b.jpg" in a bucket), which stay.
        for entry in walk(storage, source, hidden=False):
            try:
                spec, _ = parse_path(entry.name, max_dimension=conf.max_dimension)
            except InvalidSpec:
                continue
            if spec.source == source:
                done += remover.remove(Removal(entry, "replaced", 0))
        done += remover.flush()
    except (OSError, ThumbnailError, ImproperlyConfigured) as exc:
        logger.error("could not remove the thumbnails of %s: %s", redact(source), exc)
        return 0
    failed = [removal for removal in done if removal.error]
    for removal in failed:
        logger.error("could not remove %s: %s", redact(removal.entry.name), removal.error)
    if done:
        logger.info(
            "removed %d thumbnails of %s (a new file under that name)",
            len(done) - len(failed),
            redact(source),
        )
    return len(done) - len(failed)
