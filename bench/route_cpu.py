"""CPU per request of `serve`'s thumbnail route, lean against Django's (--no-lean-route).

    python -m bench.route_cpu [--seconds 10] [--misses 200] [--rounds 2]

In process first: the WSGI callable alone (no server, no socket) answering a
hit of a stored thumbnail N times with each response backend, CPU per hit, with
serve's INFO log line written to /dev/null.

Then over HTTP: `serve` with one worker and the nginx backend (X-Accel-Redirect,
empty body), the backend alone as nginx would reach it. Hits: wrk on one stored
thumbnail, requests/s and CPU of serve's whole process tree per request (the
render processes are idle). Misses: one client asking for new sizes of a
300x200 JPEG one after the other, CPU of the tree (render included) per miss.
Rounds alternate the order of the routes. Prints tables; writes nothing.
"""

import argparse
import http.client
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from .proctree import tree_cpu_seconds

KEY = "route-cpu-bench-key-0123456789abcdef"


def path_of(source: str, size: str) -> str:
    spec = make_spec(source, size, "crop", "jpg")
    return "/" + spec.name(sign(spec, key=KEY))


def start(media: Path, thumbs: Path, port: int, lean: bool) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "restthumbnails", "serve", str(media), "--thumbnails-dir"]
    argv += [str(thumbs), "--port", str(port), "--workers", "1", "--secret-key", KEY]
    argv += ["--response-backend", "nginx", "--log-level", "WARNING"]
    argv += [] if lean else ["--no-lean-route"]
    home = thumbs.parent / f"home-{port}"
    env = {"XDG_CONFIG_HOME": str(home), "XDG_CACHE_HOME": str(home), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(argv, stderr=subprocess.DEVNULL, env=env)
    for _ in range(300):
        try:
            get(port, "/_health")
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("serve did not start")


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def hits(port: int, pid: int, path: str, seconds: int) -> tuple[float, float]:
    assert get(port, path) == 200  # stored before the clock starts
    before = tree_cpu_seconds(pid)
    out = subprocess.run(
        ["wrk", "-t1", "-c2", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = tree_cpu_seconds(pid) - before
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return requests / seconds, cpu / requests * 1e6


def misses(port: int, pid: int, count: int, round_: int) -> tuple[float, float]:
    paths = [path_of("photo.jpg", f"{100 + n}x{60 + round_}") for n in range(count)]
    before, started = tree_cpu_seconds(pid), time.perf_counter()
    for path in paths:
        assert get(port, path) == 200
    wall = time.perf_counter() - started
    return count / wall, (tree_cpu_seconds(pid) - before) / count * 1e3


IN_PROCESS = """
import io, os, sys, time
from pathlib import Path
from django.test import override_settings
from restthumbnails.server.settings import embedded_settings, lock_cache_settings
from restthumbnails.server.startup import configure_django
media, thumbs = Path(sys.argv[1]), Path(sys.argv[2])
def folder(path):
    return {"BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(path), "base_url": "http://x/"}}
configure_django(embedded_settings(
    sources=folder(media), thumbnails=folder(thumbs), secret_key=sys.argv[3],
    response_backend="nginx", base_url="http://x/", lock_cache=lock_cache_settings(None, thumbs),
    log_level="INFO", extra={"REST_THUMBNAILS_RENDER_POOL": "inline"}))
from django.core.handlers.wsgi import WSGIHandler
from restthumbnails.server.lean_route import LeanThumbnailRoute
path = sys.argv[4]
def hit(app):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SCRIPT_NAME": "",
               "QUERY_STRING": "", "SERVER_NAME": "x", "SERVER_PORT": "80",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr}
    body = app(environ, lambda status, headers, exc=None: None)
    for _ in body:
        pass
    if hasattr(body, "close"):
        body.close()
django_app = WSGIHandler()
for backend in ("nginx", "sendfile", "django", "redirect"):
    with override_settings(REST_THUMBNAILS_RESPONSE_BACKEND=backend):
        cost = {}
        for route, app in (("lean", LeanThumbnailRoute(django_app)), ("django", django_app)):
            for _ in range(300):
                hit(app)
            started = time.process_time()
            for _ in range(5000):
                hit(app)
            cost[route] = (time.process_time() - started) / 5000 * 1e6
        ratio = cost["django"] / cost["lean"]
        print(f"{backend:9} {cost['lean']:11.0f} {cost['django']:14.0f} {ratio:6.1f}x")
"""


def in_process(media: Path, thumbs: Path) -> None:
    print("backend   lean us/hit  django us/hit  (CPU in process, one thread)", flush=True)
    path = path_of("photo.jpg", "64x64")
    argv = [sys.executable, "-c", IN_PROCESS, str(media), str(thumbs), KEY, path]
    subprocess.run(argv, check=True, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--misses", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="route-cpu-") as folder:
        media = Path(folder) / "media"
        media.mkdir()
        Image.new("RGB", (300, 200), "teal").save(media / "photo.jpg", quality=90)
        thumbs = Path(folder) / "thumbs-in-process"
        thumbs.mkdir()
        in_process(media, thumbs)
        rows: dict[str, list[tuple[float, float, float, float]]] = {"lean": [], "django": []}
        port = 18300
        for round_ in range(args.rounds):
            for route in ("lean", "django") if round_ % 2 == 0 else ("django", "lean"):
                port += 1
                thumbs = Path(folder) / f"thumbs-{port}"
                process = start(media, thumbs, port, lean=route == "lean")
                try:
                    hit_rate, hit_us = hits(
                        port, process.pid, path_of("photo.jpg", "64x64"), args.seconds
                    )
                    miss_rate, miss_ms = misses(port, process.pid, args.misses, round_)
                finally:
                    process.terminate()
                    process.wait(timeout=15)
                rows[route].append((hit_rate, hit_us, miss_rate, miss_ms))
        print("route   hits/s  CPU us/hit  misses/s  CPU ms/miss (tree)")
        for route, measured in rows.items():
            for hit_rate, hit_us, miss_rate, miss_ms in measured:
                print(f"{route:7} {hit_rate:7.0f} {hit_us:11.0f} {miss_rate:9.1f} {miss_ms:12.2f}")


if __name__ == "__main__":
    main()
