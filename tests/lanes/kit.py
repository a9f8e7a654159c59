"""What every lane's smoke script needs: processes, HTTP, images, a Django project.

Runs inside a lane's venv, so it imports only the standard library and Pillow
(a dependency of the bare package). Every server is started on 127.0.0.1 at a free
port and stopped by its pid when the script exits.
"""

import atexit
import contextlib
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from PIL import Image

LANE_DIR = Path(os.environ["LANE_DIR"])
BIN = Path(sys.executable).parent
# Only for servers the lane talks to (moto's S3 server), never imported here.
TOOLS_PYTHON = os.environ.get("LANE_TOOLS_PYTHON", "")
KEY = "lane-key-" + "k" * 40
_started: list[subprocess.Popen[bytes]] = []


class LaneFailure(AssertionError):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise LaneFailure(message)


# The exit status of a lane that cannot run here (the driver reports it as skipped).
SKIPPED = 77


def program(name: str, package: str) -> str:
    """The path of a server binary; without it the lane skips, except under CI=true."""
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (Debian: apt-get install {package})"
    if os.environ.get("CI", "").lower() == "true":
        raise LaneFailure(message)
    print(f"LANE SKIPPED: {message}", flush=True)
    sys.exit(SKIPPED)


def step(text: str) -> None:
    print(f"-- {text}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The lane's environment without anything that would reach the source tree."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")
        and not name.startswith("REST_THUMBNAILS_")
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run(
    *argv: str | Path,
    expect: int | None = 0,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(arg) for arg in argv],
        capture_output=True,
        text=True,
        cwd=cwd or LANE_DIR,
        env=env or clean_env(),
        timeout=timeout,
        check=False,
    )
    if expect is not None and done.returncode != expect:
        raise LaneFailure(
            f"{' '.join(map(str, argv))} exited {done.returncode}, expected {expect}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


def command(*argv: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """The installed `restthumbnails` script of this lane's venv."""
    return run(BIN / "restthumbnails", *argv, **kwargs)


def refused_with_one_line(done: subprocess.CompletedProcess[str], needle: str) -> None:
    """Exit 2 and one line on stderr naming `needle` (the pip install), no traceback."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    # warm says where its key came from before it configures anything.
    lines = [line for line in lines if not line.startswith("warm: signing key from")]
    check(done.returncode == 2, f"exit {done.returncode}, expected 2: {done.stderr}")
    check(len(lines) == 1, f"expected one line, got:\n{done.stderr}")
    check(needle in lines[0], f"{needle!r} not in {lines[0]!r}")
    check("Traceback" not in done.stderr, done.stderr)


class Started:
    def __init__(self, name: str, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.log = LANE_DIR / f"{name}.log"
        self.name = name
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _started.append(self.process)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        found: list[re.Match[str]] = []

        def seen() -> bool:
            match = re.search(pattern, self.output())
            if match:
                found.append(match)
            check(
                match or self.process.poll() is None,
                f"{self.name} exited {self.process.returncode}:\n{self.output()}",
            )
            return bool(match)

        wait(seen, timeout, f"{self.name} to print {pattern!r}:\n{self.output()}")
        return found[0]

    def stop(self) -> None:
        stop(self.process)


def start(
    name: str,
    argv: list[str | Path],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Started:
    return Started(name, [str(arg) for arg in argv], cwd or LANE_DIR, env or clean_env())


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        # Its own session: gunicorn's and celery's children go with it.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@atexit.register
def _stop_all() -> None:
    for process in reversed(_started):
        with contextlib.suppress(ProcessLookupError):
            stop(process)


def wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise LaneFailure(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


def wait_for_port(port: int, timeout: float = 30) -> None:
    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    wait(listening, timeout, f"127.0.0.1:{port} to listen")


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def fetch_image(url: str) -> tuple[int, int]:
    """GET a thumbnail: 200 and an image; its pixel size."""
    status, _headers, body = get(url)
    check(status == 200, f"GET {url} answered {status}: {body[:300]!r}")
    with Image.open(io.BytesIO(body)) as image:
        return image.size


def write_image(path: Path, width: int = 640, height: int = 480, fmt: str = "JPEG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (width, height), (200, 60, 40))
    for x in range(0, width, 40):  # some detail for `smart` and `faces` to look at
        image.paste((20, 90, 200), (x, 0, x + 20, height))
    image.save(path, fmt)
    return path


def image_bytes(width: int = 640, height: int = 480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def serve(media: Path, *options: str | Path, name: str = "serve") -> tuple[Started, str]:
    """`restthumbnails serve MEDIA ...` on a free port; its base URL once it listens."""
    port = free_port()
    server = start(
        name,
        [
            BIN / "restthumbnails",
            "serve",
            media,
            "--port",
            str(port),
            "--secret-key",
            KEY,
            "--workers",
            "1",
            "--threads",
            "2",
            *options,
        ],
    )
    server.wait_for(r"listening on http://")
    return server, f"http://127.0.0.1:{port}/"


def signed_url(source: str, size: str, method: str, ext: str, base_url: str) -> str:
    done = command("url", source, size, method, ext, "--secret-key", KEY, "--base-url", base_url)
    return done.stdout.strip()


class DjangoSite:
    """`django-admin startproject lanesite` plus the README's two lines and MEDIA_ROOT."""

    def __init__(self, root: Path, *, settings: str = "", apps: tuple[str, ...] = ()) -> None:
        self.root = root
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        run(BIN / "django-admin", "startproject", "lanesite", root)
        self.media = root / "media"
        self.media.mkdir()
        # The README's two lines, added to what startproject wrote.
        apps = ", ".join(repr(app) for app in ("restthumbnails", *apps))
        settings_py = root / "lanesite" / "settings.py"
        settings_py.write_text(
            settings_py.read_text()
            + f"\nINSTALLED_APPS += [{apps}]\n"
            + f"MEDIA_ROOT = {str(self.media)!r}\nMEDIA_URL = '/media/'\n"
            + textwrap.dedent(settings)
        )
        urls_py = root / "lanesite" / "urls.py"
        urls_py.write_text(
            urls_py.read_text()
            + "\nfrom django.urls import include  # noqa: E402\n\n"
            + 'urlpatterns += [path("thumbnails/", include("restthumbnails.urls"))]\n'
        )

    def settings_variant(self, name: str, lines: str) -> str:
        """lanesite/<name>.py: the settings plus `lines`; its module name for --settings."""
        (self.root / "lanesite" / f"{name}.py").write_text(
            "from .settings import *  # noqa: F403\n" + textwrap.dedent(lines)
        )
        return f"lanesite.{name}"

    def manage(
        self, *argv: str, expect: int | None = 0, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run(
            sys.executable, self.root / "manage.py", *argv, expect=expect, cwd=self.root, env=env
        )

    def shell(self, code: str, **kwargs: object) -> str:
        """The last line `code` prints (Django 5.2+ prints what it imported first)."""
        done = self.manage("shell", "-c", textwrap.dedent(code), **kwargs)
        lines = done.stdout.strip().splitlines()
        return lines[-1] if lines else ""

    def runserver(self) -> tuple[Started, str]:
        port = free_port()
        server = start(
            "runserver",
            [
                sys.executable,
                self.root / "manage.py",
                "runserver",
                "--noreload",
                f"127.0.0.1:{port}",
            ],
            cwd=self.root,
        )
        wait_for_port(port, timeout=60)
        return server, f"http://127.0.0.1:{port}"

    def check_refuses(self, settings_module: str, needle: str) -> None:
        """`manage.py check` fails with a system check error naming `needle`."""
        done = self.manage("check", "--settings", settings_module, expect=None)
        check(done.returncode != 0, f"check passed with {settings_module}:\n{done.stderr}")
        check("Traceback" not in done.stderr, done.stderr)
        # Each error with its HINT line, if it has one.
        errors = done.stderr.replace("\n\tHINT: ", " HINT: ").splitlines()
        errors = [line for line in errors if "restthumbnails.E" in line]
        check(
            any(needle in line for line in errors),
            f"no check error naming {needle!r}:\n{done.stderr}",
        )


def main(body: Callable[[], None]) -> None:
    try:
        body()
    except LaneFailure as failure:
        print(f"LANE FAILED: {failure}", file=sys.stderr, flush=True)
        sys.exit(1)
    print("lane passed", flush=True)
