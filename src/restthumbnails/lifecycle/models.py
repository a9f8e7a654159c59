"""`app_label.Model.field` references to a model's FileField or ImageField."""

from collections.abc import Iterator

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import FileField, Model

CHUNK = 2000


def file_field(reference: str) -> tuple[type[Model], FileField]:
    """The model and field that `reference` names; ValueError saying what is wrong."""
    parts = reference.split(".")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"{reference!r} is not app_label.Model.field")
    app_label, model_name, field_name = parts
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise ValueError(f"{reference!r}: no model {app_label}.{model_name}") from None
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        raise ValueError(f"{reference!r}: {model_name} has no field {field_name!r}") from None
    if not isinstance(field, FileField):
        raise ValueError(f"{reference!r} is not a FileField or ImageField")
    return model, field


def file_names(model: type[Model], field: FileField) -> tuple[int, Iterator[str]]:
    """How many rows have a file, and their file names read in chunks (never all at once)."""
    rows = (
        model._default_manager.exclude(**{field.attname: ""})
        .exclude(**{f"{field.attname}__isnull": True})
        .order_by("pk")
        .values_list(field.attname, flat=True)
    )
    return rows.count(), rows.iterator(chunk_size=CHUNK)
