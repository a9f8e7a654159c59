"""REST_THUMBNAILS_WARM_ON_SAVE: render thumbnails in the background when a model's file changes.

    REST_THUMBNAILS_WARM_ON_SAVE = {"shop.Product.photo": ["card", "zoom"]}

After a save that gave the field a new file (a new row with a file, or another
file name), and once the transaction commits, the thumbnails of those presets
are handed to Celery (`restthumbnails.tasks.render_thumbnails`). A save that
leaves the file alone enqueues nothing; a rolled-back save enqueues nothing.
Celery is imported only when a task is sent; without it the setting is an
error at `check` time, and nothing is ever rendered inline instead.
"""

import functools
import importlib.util
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_init, post_save

from ..conf import PREFIX, get_settings, read
from ..core.signing import sign
from ..core.spec import make_spec
from ..exceptions import InvalidSpec
from .replaced_files import uploading

SETTING = PREFIX + "WARM_ON_SAVE"
logger = logging.getLogger("restthumbnails")

# "app_label.model" -> {field name: preset names}, filled by connect().
_watched: dict[str, dict[str, tuple[str, ...]]] = {}
# The file names an instance had when it was loaded (or last saved).
_SEEN = "_restthumbnails_seen_files"


def configured() -> Mapping[str, Any]:
    return read("WARM_ON_SAVE") or {}


def problems() -> list[tuple[str, str, str]]:
    """(id, message, hint) for each thing wrong with the setting; for the system check."""
    value = configured()
    if not value:
        return []
    if not isinstance(value, Mapping) or not all(
        isinstance(presets, list | tuple) and all(isinstance(p, str) for p in presets)
        for presets in value.values()
    ):
        return [
            (
                "E010",
                f"{SETTING} must map 'app_label.Model.field' to a list of preset names.",
                "",
            )
        ]
    found = []
    if _celery_missing():
        found.append(
            (
                "E011",
                f"{SETTING} is set, but Celery is not installed: the thumbnails would never "
                "be rendered (they are never rendered inside the save).",
                "pip install 'restthumbnails[celery]', configure a Celery app and run a worker; "
                f"or remove {SETTING}.",
            )
        )
    from .models import file_field

    for reference in value:
        try:
            file_field(reference)
        except ValueError as exc:
            found.append(("E012", f"{SETTING}: {exc}.", ""))
    try:
        presets = get_settings().presets
    except ImproperlyConfigured:
        return found  # E001 says why
    for reference, names in value.items():
        for name in names:
            if name not in presets:
                found.append(
                    (
                        "E013",
                        f"{SETTING}[{reference!r}] names the preset {name!r}, which is not in "
                        f"{PREFIX}PRESETS.",
                        "",
                    )
                )
    return found


def _celery_missing() -> bool:
    try:
        return importlib.util.find_spec("celery") is None
    except ValueError:  # a half-imported module without a spec
        return True


def connect() -> None:
    """Watch the configured models; called once from AppConfig.ready()."""
    if problems():
        return  # `check` reports them; a broken setting must not break start-up
    for reference, presets in configured().items():
        app_label, model_name, field_name = reference.split(".")
        label = f"{app_label}.{model_name}".lower()
        _watched.setdefault(label, {})[field_name] = tuple(presets)
        # A lazy "app_label.Model" sender: models need not be imported yet.
        post_init.connect(_remember, sender=label, dispatch_uid=f"{SETTING}:init:{label}")
        post_save.connect(_saved, sender=label, dispatch_uid=f"{SETTING}:save:{label}")


def _file_name(instance: Model, field_name: str) -> str | None:
    """The field's file name, or None when the field was deferred (not loaded)."""
    if field_name in instance.get_deferred_fields():
        return None
    return getattr(instance, field_name).name or ""


def _remember(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    fields = _watched.get(sender._meta.label_lower, {})
    instance.__dict__[_SEEN] = {name: _file_name(instance, name) for name in fields}


def _saved(
    sender: type[Model],
    instance: Model,
    created: bool,
    using: str,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    seen = instance.__dict__.setdefault(_SEEN, {})
    names: list[str] = []
    for field_name, presets in _watched.get(sender._meta.label_lower, {}).items():
        if update_fields is not None and field_name not in update_fields:
            continue
        current = _file_name(instance, field_name)
        if current is None:
            continue
        # The URL is keyed by the file name: the same name already has its thumbnails,
        # unless a new upload was written under it (replaced_files removed them then).
        if current and (
            created or current != seen.get(field_name) or field_name in uploading(instance)
        ):
            names += thumbnail_names(current, presets)
        seen[field_name] = current
    if names:
        transaction.on_commit(functools.partial(enqueue, names), using=using)


def thumbnail_names(source: str, presets: tuple[str, ...]) -> list[str]:
    conf = get_settings()
    names = []
    for preset_name in presets:
        preset = conf.presets[preset_name]
        try:
            spec = make_spec(
                source, preset.size, preset.method, preset.ext, max_dimension=conf.max_dimension
            )
        except InvalidSpec as exc:
            logger.warning("not warming %s: %s", source, exc.reason)
            continue
        names.append(spec.name(sign(spec, key=conf.secret_key)))
    return names


def enqueue(names: list[str]) -> None:
    """Send the batch to Celery; a broker that is down costs the warm-up, never the save."""
    try:
        from .tasks import render_thumbnails

        render_thumbnails.delay(names)
    except Exception:
        logger.exception("could not enqueue %d thumbnails for rendering", len(names))
