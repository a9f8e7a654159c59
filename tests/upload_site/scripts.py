"""What the tests run inside the site: `python -m tests.upload_site.scripts NAME [ARGS]`.

Each prints one JSON line on stdout. Requests go through Django's test client, as a
browser's would through the URLconf, middleware and views.
"""

import io
import json
import os
import sys
from typing import Any
from urllib.parse import unquote, urlsplit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.upload_site.settings")


def setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)


def upload(path: str, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    with open(path, "rb") as handle:
        return SimpleUploadedFile(name, handle.read(), content_type="image/jpeg")


def fetch(url: str) -> dict[str, Any]:
    """GET the thumbnail; behind the nginx backend, what nginx would then send: the
    file (or object) at the X-Accel-Redirect path in the thumbnail storage."""
    from django.test import Client
    from PIL import Image

    from restthumbnails.conf import get_settings, thumbnail_storage

    response = Client().get(url)
    answer: dict[str, Any] = {"url": url, "status": response.status_code}
    if response.status_code != 200:
        return answer
    accel = response.get("X-Accel-Redirect")
    if accel:
        name = unquote(urlsplit(accel).path).removeprefix("/thumbnails/")
        with thumbnail_storage(get_settings()).open(name, "rb") as handle:
            data = handle.read()
        answer["accel"] = accel
    else:
        data = b"".join(response.streaming_content) if response.streaming else response.content
    image = Image.open(io.BytesIO(data)).convert("RGB")
    answer["size"] = list(image.size)
    answer["colour"] = list(image.getpixel((image.width // 2, image.height // 2)))
    return answer


def thumbnail_of(photo: Any) -> dict[str, Any]:
    from django.template import engines

    url = engines["django"].from_string('{% load thumbnail %}{% thumbnail image "card" %}')
    built = url.render({"image": photo.image})
    return {"name": photo.image.name, **fetch(built)}


def check() -> dict[str, object]:
    from django.core import checks

    found = checks.run_checks(include_deployment_checks=False)
    return {
        "ids": sorted(
            m.id for m in found if m.id.startswith("restthumbnails") and not m.is_silenced()
        ),
        "messages": [f"{m.id}: {m.msg} HINT: {m.hint}" for m in found],
    }


def same_name(first: str, second: str, how: str) -> dict[str, object]:
    """Upload `first` as IMG_0001.jpg and show its thumbnail; then a new picture named
    IMG_0001.jpg arrives (`how`: "replace" in the same row, or "delete" the row and its
    file first, then a new row), and its thumbnail is shown."""
    from tests.upload_site.models import Photo

    photo = Photo.objects.create(title="first", image=upload(first, "IMG_0001.jpg"))
    before = thumbnail_of(photo)
    if how == "replace":
        photo = Photo.objects.get(pk=photo.pk)
        photo.image = upload(second, "IMG_0001.jpg")
        photo.save()
    else:
        photo.image.delete(save=False)
        photo.delete()
        photo = Photo.objects.create(title="second", image=upload(second, "IMG_0001.jpg"))
    return {"before": before, "after": thumbnail_of(Photo.objects.get(pk=photo.pk))}


def admin_changelist(path: str) -> dict[str, object]:
    import re

    from django.contrib.auth.models import User
    from django.test import Client

    from tests.upload_site.models import Photo

    Photo.objects.create(title="with a picture", image=upload(path, "cat.jpg"))
    Photo.objects.create(title="without")
    client = Client()
    client.force_login(User.objects.create_superuser("admin", "a@example.com", "pw"))
    page = client.get("/admin/upload_site/photo/")
    html = page.content.decode()
    images = re.findall(r"<img [^>]*>", html)
    sources = [re.search(r'src="([^"]+)"', tag)[1] for tag in images]
    ours = [s for s in sources if s.startswith("/thumbnails/")]
    return {
        "status": page.status_code,
        "images": [tag for tag in images if "/thumbnails/" in tag],
        "column_header": "Image" in html,
        "fetched": [fetch(src) for src in ours],
    }


if __name__ == "__main__":
    setup()
    command, *args = sys.argv[1:]
    scripts = {"check": check, "same_name": same_name, "admin_changelist": admin_changelist}
    print(json.dumps(scripts[command](*args)))
