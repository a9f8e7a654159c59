"""REST_THUMBNAILS_WARM_ON_SAVE: what a save sends to Celery, and the check without Celery."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from restthumbnails.checks import check_warm_on_save

from .support.images import png

REPOSITORY = Path(__file__).resolve().parents[1]


def site_script(tmp_path: Path, *args: str) -> dict[str, object]:
    """Run tests/lifecycle_site/scripts.py (a site with a database) in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REST_THUMBNAILS_", "DJANGO"))}
    env.update(LIFECYCLE_SITE_DIR=str(tmp_path), PYTHONPATH=str(REPOSITORY))
    env.pop("LIFECYCLE_REDIS", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.lifecycle_site.scripts", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPOSITORY,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_only_a_committed_new_file_sends_a_batch(tmp_path: Path) -> None:
    pytest.importorskip("celery")
    image = tmp_path / "upload.png"
    image.write_bytes(png(64, 48))
    presets = 12  # tests/lifecycle_site/settings.py: every preset of the field
    assert site_script(tmp_path, "published", str(image)) == {
        "created without a file": [],
        "file added": [presets],
        "saved again unchanged": [],
        "loaded and saved": [],
        "title only": [],
        "file changed, rolled back": [],
        "file changed": [presets],
        "created with a file": [presets],
    }


def test_celery_is_not_imported_by_start_up_checks_or_saves(tmp_path: Path) -> None:
    assert site_script(tmp_path, "imports") == {"celery imported": False, "errors": []}


def test_the_setting_without_celery_is_an_error_at_check_time(
    settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "crop", "jpg")}
    settings.REST_THUMBNAILS_WARM_ON_SAVE = {"shop.Product.photo": ["avatar", "nope"]}
    monkeypatch.setitem(sys.modules, "celery", None)  # as if it were not installed
    messages = {message.id: message for message in check_warm_on_save()}
    assert "Celery is not installed" in messages["restthumbnails.E011"].msg
    assert "restthumbnails[celery]" in messages["restthumbnails.E011"].hint
    assert "no model shop.Product" in messages["restthumbnails.E012"].msg
    assert "'nope'" in messages["restthumbnails.E013"].msg


def test_a_malformed_setting_is_one_error(settings) -> None:
    settings.REST_THUMBNAILS_WARM_ON_SAVE = {"shop.Product.photo": "avatar"}
    assert [message.id for message in check_warm_on_save()] == ["restthumbnails.E010"]


def test_no_setting_no_messages(settings) -> None:
    assert check_warm_on_save() == []
