"""Running tests/upload_site/scripts.py from a test: one subprocess per scenario."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def site_script(
    home: Path, *args: str, settings_file: Path | None = None, env: dict[str, str] | None = None
) -> dict[str, object]:
    """The script's JSON answer; `settings_file` is executed into the site's settings."""
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REST_THUMBNAILS_", "DJANGO", "UPLOAD_SITE_", "AWS_"))
    }
    # This checkout's package first, whatever the environment has installed.
    path = os.pathsep.join([str(REPOSITORY / "src"), str(REPOSITORY)])
    environment.update(UPLOAD_SITE_DIR=str(home), PYTHONPATH=path)
    if settings_file is not None:
        environment["UPLOAD_SITE_SETTINGS"] = str(settings_file)
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "tests.upload_site.scripts", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPOSITORY,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
