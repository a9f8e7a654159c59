"""The first hour: a fresh `startproject`, the two lines of docs/django.md, `runserver`.

Input: a new project with MEDIA_ROOT set, "restthumbnails" in INSTALLED_APPS and
`path("thumbnails/", include("restthumbnails.urls"))`. Answer: `check` passes, a page
with three {% thumbnail %} tags links three images that runserver answers 200 at the
right size, the admin still answers, and a POST is 405 (not the CSRF page).
"""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support.images import decode, jpeg, png
from .support.serving import free_port

PAGE = """\
{% load thumbnail %}
{% thumbnail "photo.jpg" "200x200" "crop" "jpg" as t %}<img src="{{ t.url }}">
{% thumbnail "photos/wide.png" "300x" "scale" "webp" as t %}<img src="{{ t.url }}">
<img src="{% thumbnail "photos/wide.png" "120x90" "smart" "png" %}">
"""
URLS = """
from django.http import HttpResponse
from django.template import engines


def page(request):
    return HttpResponse(engines["django"].from_string(PAGE).render({}, request))


urlpatterns += [
    path("thumbnails/", include("restthumbnails.urls")),
    path("page/", page),
]
"""


# The new project's manage.py chooses its settings, not the test suite's.
ENV = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fresh")
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(root)], check=True
    )
    settings = root / "mysite" / "settings.py"
    # The two lines docs/django.md asks for (and MEDIA_ROOT, which the project sets).
    settings.write_text(
        settings.read_text()
        + '\nINSTALLED_APPS += ["restthumbnails"]\nMEDIA_ROOT = BASE_DIR / "media"\n'
    )
    urls = root / "mysite" / "urls.py"
    text = urls.read_text().replace(
        "from django.urls import path", "from django.urls import include, path"
    )
    urls.write_text(text + f"\nPAGE = {PAGE!r}\n" + URLS)
    (root / "media" / "photos").mkdir(parents=True)
    (root / "media" / "photo.jpg").write_bytes(jpeg(800, 600))
    (root / "media" / "photos" / "wide.png").write_bytes(png(1200, 600))
    return root


@pytest.fixture(scope="module")
def runserver(project: Path) -> Iterator[str]:
    assert run(project, "migrate", "--noinput").returncode == 0
    port = free_port()
    log = (project / "runserver.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=project,
        env=ENV,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/admin/login/", timeout=2)
                break
            except OSError:
                assert process.poll() is None, (project / "runserver.log").read_text()
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def get(url: str, method: str = "GET") -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_check_is_silent_for_development(project: Path) -> None:
    result = run(project, "check")
    assert (result.returncode, result.stdout.strip()) == (
        0,
        "System check identified no issues (0 silenced).",
    )


def test_three_tags_render_images_runserver_serves(runserver: str) -> None:
    status, page = get(runserver + "/page/")
    assert status == 200
    sources = re.findall(r'src="([^"]+)"', page.decode())
    assert len(sources) == 3
    assert all(source.startswith("/thumbnails/") for source in sources)
    expected = [("JPEG", (200, 200)), ("WEBP", (300, 150)), ("PNG", (120, 90))]
    for source, (fmt, size) in zip(sources, expected, strict=True):
        status, body = get(runserver + source)
        assert status == 200, source
        image = decode(body)
        assert (image.format, image.size) == (fmt, size)


def test_the_python_api_builds_the_same_url(project: Path, runserver: str) -> None:
    code = (
        "from restthumbnails.api import thumbnail_url;"
        "print(thumbnail_url('photo.jpg', '200x200', 'crop', 'jpg'))"
    )
    result = run(project, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip().splitlines()[-1]  # after Django 5.2's "objects imported"
    assert url.startswith("/thumbnails/photo.jpg/200x200/crop/")
    status, body = get(runserver + url)
    assert (status, decode(body).size) == (200, (200, 200))


def test_the_rest_of_the_site_is_untouched(runserver: str) -> None:
    assert get(runserver + "/admin/login/")[0] == 200
    status, body = get(runserver + "/thumbnails/nothing-here")
    assert status == 404
    assert b"not a thumbnail URL" not in body  # the site's own 404 page


def test_post_is_405_not_the_csrf_page(runserver: str) -> None:
    _, page = get(runserver + "/page/")
    source = re.findall(r'src="([^"]+)"', page.decode())[0]
    status, body = get(runserver + source, method="POST")
    assert (status, body) == (405, b"method not allowed\n")


def test_thumbnails_land_in_their_own_folder(project: Path, runserver: str) -> None:
    thumbnails = project / "media" / "thumbnails"
    names = sorted(
        p.relative_to(thumbnails).as_posix() for p in thumbnails.rglob("*") if p.is_file()
    )
    assert names and all(name.startswith(("photo.jpg/", "photos/wide.png/")) for name in names)
    assert sorted(p.name for p in (project / "media").iterdir()) == [
        "photo.jpg",
        "photos",
        "thumbnails",
    ]
