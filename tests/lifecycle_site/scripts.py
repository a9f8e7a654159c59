"""What the tests run inside the site: `python -m tests.lifecycle_site.scripts NAME [ARGS]`.

Each prints one JSON line on stdout.
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.lifecycle_site.settings")


def setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)


def save(path: str) -> dict[str, object]:
    """Save a Photo with the image at `path` uploaded, as a form would."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    import tests.lifecycle_site.celery_app  # noqa: F401  (the app tasks are sent with)
    from tests.lifecycle_site.models import Photo

    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(os.path.basename(path), handle.read())
    photo = Photo.objects.create(title="upload", image=upload)
    return {"name": photo.image.name}


def published(path: str) -> dict[str, object]:
    """How many batches each kind of save sends to the broker (memory://, nobody consumes)."""
    from celery.signals import after_task_publish
    from django.core.files.base import ContentFile
    from django.db import transaction

    import tests.lifecycle_site.celery_app  # noqa: F401
    from tests.lifecycle_site.models import Photo

    batches: list[int] = []
    after_task_publish.connect(lambda body, **kwargs: batches.append(len(body[0][0])), weak=False)
    data = open(path, "rb").read()  # noqa: SIM115
    counts: dict[str, object] = {}

    def step(name: str, action) -> None:
        batches.clear()
        action()
        counts[name] = list(batches)

    photo = Photo(title="a")
    step("created without a file", photo.save)
    step("file added", lambda: photo.image.save("a.png", ContentFile(data)))
    step("saved again unchanged", photo.save)
    step("loaded and saved", lambda: Photo.objects.get(pk=photo.pk).save())
    step("title only", lambda: Photo.objects.get(pk=photo.pk).save(update_fields=["title"]))

    def rolled_back() -> None:
        try:
            with transaction.atomic():
                Photo.objects.get(pk=photo.pk).image.save("b.png", ContentFile(data))
                raise RuntimeError("roll back")
        except RuntimeError:
            pass

    step("file changed, rolled back", rolled_back)
    step(
        "file changed",
        lambda: Photo.objects.get(pk=photo.pk).image.save("c.png", ContentFile(data)),
    )
    step("created with a file", lambda: Photo.objects.create(image=ContentFile(data, "d.png")))
    return counts


def imports() -> dict[str, object]:
    """Start-up, checks and a save without a file change: is Celery imported?"""
    from django.core import checks

    from tests.lifecycle_site.models import Photo

    messages = [m.id for m in checks.run_checks() if m.is_serious()]
    Photo.objects.create(title="no file")
    return {"celery imported": "celery" in sys.modules, "errors": messages}


if __name__ == "__main__":
    setup()
    command, *args = sys.argv[1:]
    print(json.dumps({"save": save, "published": published, "imports": imports}[command](*args)))
