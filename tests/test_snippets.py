"""README.md and docs/*.md snippets run as written, taken from the Markdown itself.

Each block marked `<!-- snippet: NAME -->` (tests/snippets.py) is run by a test here,
or by tests/e2e/test_readme_nginx.py for the nginx site:

- docs/s3.md `s3-settings`: the settings of a site whose model has a plain
  `ImageField(upload_to="photos")` (no storage of its own), against an S3 API server
  (moto's, on loopback, credentials and endpoint in the AWS_* environment as the
  page says). Answer: `check` is silent; an upload through the model lands in the
  bucket; its thumbnail answers 200 with `X-Accel-Redirect` (the nginx backend) and
  the object nginx then sends is 120x90 and of the upload's colour.
- docs/celery.md `celery-settings`: the block loads, its presets parse, the Celery app
  of a project configured from it talks to a real Redis at its broker URL.
- docs/migrating.md `sorl-before`, `easy-thumbnails-before`: the pages before
  conversion, rendered through our library, stop at the first old spelling with the
  fix and a link to the table (the converted pages are run by tests/test_docs.py).
"""

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import TemplateSyntaxError, engines
from PIL import Image

from restthumbnails.core import advice
from restthumbnails.core.policy import parse_presets
from restthumbnails.exceptions import InvalidSpec

from .e2e.stack import Stack
from .e2e.support import require_module
from .support.images import encode
from .support.s3server import S3Server, running_s3_server
from .support.snippets import names, snippet
from .upload_site.run import site_script

RED, BLUE = (220, 20, 20), (20, 20, 220)
RUN_HERE = {
    ("docs/s3.md", "s3-settings"),
    ("docs/celery.md", "celery-settings"),
    ("docs/migrating.md", "sorl-before"),
    ("docs/migrating.md", "easy-thumbnails-before"),
}
RUN_IN_E2E = {("README.md", "nginx-site")}


def test_every_marked_snippet_is_run() -> None:
    docs = ["README.md", *(f"docs/{p.name}" for p in sorted(Path("docs").glob("*.md")))]
    marked = {(doc, name) for doc in docs for name in names(doc)}
    assert marked == RUN_HERE | RUN_IN_E2E


# --- docs/s3.md: S3 --------------------------------------------------------------


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


def write_picture(path: Path, colour: tuple[int, int, int]) -> str:
    path.write_bytes(encode(Image.new("RGB", (400, 300), colour), "JPEG"))
    return str(path)


def test_readme_s3_settings_serve_the_thumbnails_of_an_ordinary_model(
    tmp_path: Path, s3: S3Server
) -> None:
    s3.client().create_bucket(Bucket="photos")  # the bucket the snippet names
    settings = tmp_path / "readme_s3_settings.py"
    settings.write_text(snippet("docs/s3.md", "s3-settings"), encoding="utf-8")
    checks = site_script(tmp_path / "check", "check", settings_file=settings, env=s3.environment)
    assert checks["ids"] == [], checks["messages"]

    red, blue = (
        write_picture(tmp_path / "red.jpg", RED),
        write_picture(tmp_path / "blue.jpg", BLUE),
    )
    result = site_script(
        tmp_path / "site",
        "same_name",
        red,
        blue,
        "replace",
        settings_file=settings,
        env=s3.environment,
    )
    for step, colour in (("before", RED), ("after", BLUE)):
        shown = result[step]
        assert isinstance(shown, dict)
        assert shown["status"] == 200, shown
        assert shown["accel"] == shown["url"]  # nginx sends the object at that URI
        assert shown["size"] == [120, 90]
        assert all(abs(a - b) <= 12 for a, b in zip(shown["colour"], colour, strict=True))
    sources = s3.keys("photos", "media/")
    assert len(sources) == 2 and all(key.startswith("media/photos/IMG_0001") for key in sources)
    # The replaced picture's thumbnail went with it; the new one's is there.
    new_name = result["after"]["name"]
    [thumbnail] = s3.keys("photos", "thumbs/")
    assert (
        thumbnail.startswith(f"thumbs/{new_name}/120x90/crop/")
        and new_name != "photos/IMG_0001.jpg"
    )


# The S3 settings the README once gave: sources read from a "photos" alias while the model
# uploads to "default" (the local disk), so every thumbnail was 404 and `check` said
# nothing. Now `check` names the field (W008).
OLD_README_S3 = """\
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "photos": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "photos", "location": "media"},
    },
}
REST_THUMBNAILS_SOURCE_STORAGE = "photos"
"""


def test_models_uploading_outside_the_source_storage_are_warned(
    tmp_path: Path, s3: S3Server
) -> None:
    settings = tmp_path / "old_readme_s3_settings.py"
    settings.write_text(OLD_README_S3, encoding="utf-8")
    checks = site_script(tmp_path / "check", "check", settings_file=settings, env=s3.environment)
    assert checks["ids"] == ["restthumbnails.W008"]
    [message] = [m for m in checks["messages"] if "W008" in m]
    assert "upload_site.Photo.image" in message and "'photos'" in message


# --- docs/celery.md --------------------------------------------------------------


def test_celery_settings_load_and_reach_the_broker_they_name(tmp_path: Path) -> None:
    celery = require_module("celery", pip="'restthumbnails[celery]'")
    redis = require_module("redis", pip="redis")
    settings: dict[str, object] = {}
    exec(snippet("docs/celery.md", "celery-settings"), settings)  # noqa: S102 - our docs
    presets = parse_presets(settings["REST_THUMBNAILS_PRESETS"], max_dimension=4096)
    warmed = settings["REST_THUMBNAILS_WARM_ON_SAVE"]
    assert isinstance(warmed, dict) and all(set(p) <= set(presets) for p in warmed.values())

    # The project's Celery app, configured from those settings as docs/celery.md says.
    app = celery.Celery("yourproject")
    app.config_from_object(SimpleNamespace(**settings), namespace="CELERY")
    assert app.conf.broker_url == settings["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/0"
    stack = Stack(tmp_path)
    try:
        # The same Redis URL; only the port is one the test may take.
        port = int(stack.redis().rsplit(":", 1)[1].split("/")[0])
        app.conf.broker_url = app.conf.broker_url.replace(":6379/", f":{port}/")
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=3)
        app.send_task("restthumbnails.render_thumbnails", args=[["a.jpg/64x64/crop/x.jpg"]])
        queued = redis.Redis(host="127.0.0.1", port=port, db=0).llen("celery")
        assert queued == 1
    finally:
        stack.stop_all()


# --- docs/migrating.md -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "answer"),
    [("sorl-before", "is not a block here"), ("easy-thumbnails-before", "needs quotes")],
)
def test_an_unconverted_page_is_answered_with_the_fix(settings, name: str, answer: str) -> None:
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("50x50", "crop", "jpg")}
    page = snippet("docs/migrating.md", name)
    with pytest.raises((TemplateSyntaxError, InvalidSpec)) as caught:
        engines["django"].from_string(page).render({})
    assert answer in str(caught.value) and advice.MIGRATING in str(caught.value)


def test_the_easy_thumbnails_filter_line_works_unchanged(settings) -> None:
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("50x50", "crop", "jpg")}
    load, filtered = snippet("docs/migrating.md", "easy-thumbnails-before").splitlines()[:2]
    assert "|thumbnail_url:'avatar'" in filtered
    profile = SimpleNamespace(photo="people/ada.jpg")
    html = engines["django"].from_string(f"{load}\n{filtered}").render({"profile": profile})
    assert re.search(r'src="/t/people/ada\.jpg/50x50/crop/[0-9a-f]{64}\.jpg"', html)
