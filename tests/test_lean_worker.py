"""serve's workers answer thumbnails and health checks without Django's request cycle
loaded: not its request and response classes, and so not the ORM, forms, templates or
URL resolver that come with them. That is memory every worker and the master hold
for nothing (docs/benchmarks.md, the imgproxy section's peak PSS).

Each test runs `restthumbnails serve` start-up for real in a child interpreter (its
checks, its render pool), with gunicorn's run replaced by a loop that hands the
WSGI application the requests a worker would get. A gunicorn worker is a fork of
that process after start-up, so what is imported there is what each worker holds.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from .support.images import jpeg
from .support.serving import free_port

KEY = "lean-worker-test-key"
# Modules that only Django's request cycle needs.
HEAVY = (
    "django.http",
    "django.db",
    "django.urls",
    "django.template",
    "django.forms",
    "django.core.handlers",
)

WORKER = """
import io, json, sys
import restthumbnails.server.wsgi_server as wsgi_server

HEAVY = tuple(json.loads(sys.argv[1]))
REQUESTS = json.loads(sys.argv[2])

def loaded():
    return sorted(name for name in sys.modules if name.startswith(HEAVY))

def answer(app, method, path):
    got = []
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
    }
    body = b"".join(app(environ, lambda status, headers, exc_info=None: got.append(status)))
    return int(got[0].split()[0]), len(body)

def run(application, **options):
    report = {"started": loaded()}
    report["answers"] = [answer(application, method, path) for method, path in REQUESTS]
    report["answered"] = loaded()
    report["other"] = answer(application, "GET", "/not/a/thumbnail")
    report["after_other"] = loaded()
    print("REPORT " + json.dumps(report), flush=True)
    # Returning ends serve as gunicorn would: its pool stopped, its folders removed.

wsgi_server.run = run
from restthumbnails.cli import main
sys.exit(main(sys.argv[3:]))
"""


def run_worker(media: Path, thumbs: Path, requests: list[tuple[str, str]], *options: str) -> dict:
    command = [
        sys.executable,
        "-c",
        WORKER,
        json.dumps(HEAVY),
        json.dumps(requests),
        "serve",
        str(media),
        "--thumbnails-dir",
        str(thumbs),
        "--port",
        str(free_port()),
        "--secret-key",
        KEY,
        *options,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    reports = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    assert reports, done.stdout + done.stderr
    return json.loads(reports[0].removeprefix("REPORT "))


def thumbnail_path(source: str, size: str) -> str:
    spec = make_spec(source, size, "crop", "jpg")
    return "/" + spec.name(sign(spec, key=KEY))


@pytest.mark.parametrize("backend", ["django", "nginx", "sendfile", "redirect"])
def test_thumbnails_and_health_never_load_djangos_request_cycle(
    backend: str, media: Path, thumbs: Path
) -> None:
    """A miss, a hit, HEAD, a forged signature (401), a bad size (400) and /_health
    (GET and HEAD) answer without django.http and the rest ever being imported, in
    serve's master or after; a path that is not a thumbnail then sets Django up, which
    answers 404."""
    (media / "cat.jpg").write_bytes(jpeg(300, 200))
    good = thumbnail_path("cat.jpg", "60x40")
    requests = [
        ("GET", good),
        ("GET", good),
        ("HEAD", good),
        ("GET", good[:-8] + "0000.jpg"),
        ("GET", good.replace("/60x40/", "/060x40/")),
        ("GET", "/_health"),
        ("HEAD", "/_health"),
    ]
    report = run_worker(media, thumbs, requests, "--response-backend", backend)

    found = 302 if backend == "redirect" else 200
    statuses = [status for status, _ in report["answers"]]
    assert statuses == [found, found, found, 401, 400, 200, 200]
    if backend == "django":
        sent = [length for _, length in report["answers"][:3]]
        assert sent[0] == sent[1] > 0 and sent[2] == 0  # the bytes of the file, none for HEAD
    assert (thumbs / good.lstrip("/")).is_file()
    assert report["started"] == []
    assert report["answered"] == []
    assert report["other"][0] == 404
    assert "django.http" in report["after_other"]


def test_no_lean_route_loads_django_before_the_workers_fork(media: Path, thumbs: Path) -> None:
    """--no-lean-route: Django's handler answers everything, built in the master."""
    report = run_worker(media, thumbs, [("GET", "/_health")], "--no-lean-route")
    assert report["answers"][0][0] == 200
    assert "django.http" in report["started"]
    assert "django.core.handlers.wsgi" in report["started"]
