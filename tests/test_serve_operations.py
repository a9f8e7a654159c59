"""Hardening and operations over real HTTP against `restthumbnails serve`."""

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from .conftest import files_under
from .support.images import decode, encode, jpeg, png, png_claiming
from .support.processes import render_pool_holds
from .support.serving import Server, start_serve

# serve answers thumbnail paths with its lean route and with Django's (--no-lean-route).
pytestmark = pytest.mark.both_routes

KEY = "operations-test-key"


def url(source: str, size: str, method: str = "crop", ext: str = "jpg") -> str:
    spec = make_spec(source, size, method, ext)
    return "/" + spec.name(sign(spec, key=KEY)).replace(" ", "%20")


def metric(text: str, name: str, labels: str = "") -> float:
    pattern = re.escape(name) + (re.escape("{" + labels + "}") if labels else "") + r" (\S+)"
    match = re.search(r"^" + pattern + "$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, serve_route: str) -> Path:
    folder = tmp_path_factory.mktemp("ops") / "media"
    folder.mkdir()
    for n in range(6):
        (folder / f"p{n}.jpg").write_bytes(jpeg(900, 600))
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (folder / "big.jpg").write_bytes(jpeg(2000, 1500))
    # A large, incompressible-enough PNG: slow to decode, so a render stays in flight.
    noise = Image.effect_noise((5000, 4000), 64).convert("RGB")
    (folder / "slow.png").write_bytes(encode(noise, "PNG", compress_level=1))
    (folder / "claims-30mp.png").write_bytes(png_claiming(6000, 5000))
    (folder.parent / "placeholder.png").write_bytes(png(50, 50))
    return folder


@pytest.fixture(scope="module")
def server(media: Path, serve_route: str) -> Iterator[Server]:
    options = (
        "--max-source-pixels",
        "2000000",
        "--max-dimension",
        "1000",
        "--allow",
        "100x100/crop",
        "--allow",
        "200x/scale",
        "--allow",
        "64x64/smart",
        "--fallback-image",
        str(media.parent / "placeholder.png"),
        "--log-format",
        "json",
        "--max-concurrent",
        "1",
        "--max-queued",
        "0",
        "--max-source-pixels",
        "30000000",
    )
    with start_serve(media, media.parent / "thumbs", key=KEY, options=options) as running:
        yield running


def test_health_is_ok_with_a_json_body(server: Server) -> None:
    status, headers, body = server.get("/_health")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"status": "ok", "storage": "ok", "lock": "ok"}


def test_metrics_add_up_across_worker_processes(server: Server) -> None:
    _, _, before = server.get("/_metrics")
    generated_before = metric(before.decode(), "restthumbnails_generations_total")
    for n in range(6):
        assert server.get(url(f"p{n}.jpg", "200x", "scale"))[0] == 200
    assert server.get(url("p0.jpg", "100x100")[:-10] + "000000.jpg")[0] == 401
    # Each scrape may land on either worker; every one must see all six.
    for _ in range(4):
        status, headers, body = server.get("/_metrics")
        text = body.decode()
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert metric(text, "restthumbnails_generations_total") - generated_before == 6
        assert metric(text, "restthumbnails_rejections_total", 'reason="signature"') >= 1
        assert metric(text, "restthumbnails_requests_total", 'status="401"') >= 1
        assert metric(text, "restthumbnails_source_bytes_total") > 0
        assert metric(text, "restthumbnails_generation_seconds_count") >= 6
        assert "restthumbnails_generations_in_flight" in text
        assert "restthumbnails_lock_contention_total" in text


def test_limits_and_allow_list_over_http(server: Server) -> None:
    # 2000x1500 = 3 MP is under 30 MP: allowed size renders
    assert server.get(url("big.jpg", "100x100"))[0] == 200
    status, headers, body = server.get(url("big.jpg", "1001x", "scale"))
    assert status == 400 and headers["Cache-Control"] == "no-store"
    status, _, body = server.get(url("big.jpg", "300x300"))
    assert status == 400 and b"not an allowed thumbnail size" in body


def test_fallback_over_http(server: Server) -> None:
    for source, reason in (("missing.jpg", "missing"), ("broken.jpg", "unprocessable")):
        status, headers, body = server.get(url(source, "64x64", "smart"))
        assert status == 200
        assert headers["X-Thumbnail-Fallback"] == reason
        assert headers["Cache-Control"] == "public, max-age=60"
        assert decode(body).size == (64, 64)
    names = files_under(server.log.parent / "thumbs")
    assert not any(name.startswith(("missing", "broken")) for name in names)


def test_saturated_server_refuses_new_work_and_serves_hits(media: Path) -> None:
    # One process with one render slot and no queue: while a slow render runs,
    # a second, distinct miss is refused at once and a hit is still served.
    options = ("--workers", "1", "--threads", "4", "--max-concurrent", "1", "--max-queued", "0")
    with start_serve(media, media.parent / "thumbs-busy", key=KEY, options=options) as busy:
        hit = url("p0.jpg", "100x100")
        assert busy.get(hit)[0] == 200
        answers: list[int] = []
        slow = threading.Thread(
            target=lambda: answers.append(busy.get(url("slow.png", "200x", "scale"))[0])
        )
        slow.start()
        # Until the render process holds slow.png: "in flight" alone would let p1
        # reach the pool first while the slow request is still opening its source.
        deadline = time.monotonic() + 20
        while not render_pool_holds(busy.process.pid, media / "slow.png"):
            assert time.monotonic() < deadline, "the slow render never started"
            time.sleep(0.01)
        status, headers, _ = busy.get(url("p1.jpg", "100x100"))
        assert (status, headers.get("Retry-After")) == (503, "2")
        assert headers["Cache-Control"] == "no-store"
        assert busy.get(hit)[0] == 200
        slow.join(30)
        assert answers == [200]
        names = files_under(media.parent / "thumbs-busy")
        assert not any(name.startswith("p1.jpg") for name in names)


def test_generation_timeout_and_pixel_limit_over_http(media: Path) -> None:
    options = ("--generation-timeout", "0.1", "--max-source-pixels", "25000000")
    with start_serve(media, media.parent / "thumbs-strict", key=KEY, options=options) as strict:
        # claims-30mp.png says 6000x5000: over this server's pixel limit, refused from its header
        status, headers, body = strict.get(url("claims-30mp.png", "200x", "scale"))
        assert (status, headers["Cache-Control"]) == (422, "no-store")
        assert b"over the limit of 25000000" in body
        # slow.png (20 MP of noise) takes far longer than 0.1 s to decode: the render
        # process is killed at the deadline, before anything is written
        status, headers, body = strict.get(url("slow.png", "200x", "scale"))
        assert (status, headers.get("Retry-After")) == (503, "10")
        assert files_under(media.parent / "thumbs-strict") == []


def test_one_json_line_per_request_without_full_signatures(server: Server) -> None:
    path = url("p2.jpg", "100x100")
    assert server.get(path)[0] == 200
    signature = path.rsplit("/", 1)[1].split(".")[0]
    deadline = time.monotonic() + 10
    entries: list[dict] = []
    while time.monotonic() < deadline:
        lines = server.log.read_text().splitlines()
        entries = [json.loads(line) for line in lines if line.startswith("{")]
        if any(e.get("thumbnail", "").startswith("p2.jpg/100x100") for e in entries):
            break
        time.sleep(0.05)
    request = [e for e in entries if e.get("thumbnail", "").startswith("p2.jpg/100x100")]
    assert len(request) == 1
    assert request[0]["status"] == 200 and request[0]["outcome"] == "miss"
    assert isinstance(request[0]["duration_ms"], float)
    assert signature not in server.log.read_text()
    assert any(e["message"].startswith("generated p2.jpg/100x100/crop/") for e in entries)


def test_start_up_removes_stale_temp_files_only(media: Path) -> None:
    # A writer killed an hour ago left a temp file; another host is writing one now.
    thumbs = media.parent / "thumbs-swept"
    folder = thumbs / "p0.jpg" / "100x100" / "crop"
    folder.mkdir(parents=True)
    an_hour_ago = time.time() - 3600
    for name in (".k3j4h5g6.tmp", "0" * 64 + ".jpg"):
        (folder / name).write_bytes(b"x" * 1000)
        os.utime(folder / name, (an_hour_ago, an_hour_ago))
    (folder / ".fresh123.tmp").write_bytes(b"x" * 1000)

    with start_serve(media, thumbs, key=KEY, options=("--lock-timeout", "30")) as swept:
        assert files_under(thumbs) == [
            "p0.jpg/100x100/crop/.fresh123.tmp",
            "p0.jpg/100x100/crop/" + "0" * 64 + ".jpg",
        ]
        assert (
            "removed 1 stale temp file (older than the 30 s lock timeout) "
            "from the thumbnails folder" in swept.log.read_text()
        )


def test_tiff_is_refused_unless_serve_is_told_to_decode_it(tmp_path: Path) -> None:
    # Input: a TIFF source. Answer: 422 by default, 200 with --source-format TIFF.
    media = tmp_path / "media"
    media.mkdir()
    (media / "scan.tif").write_bytes(encode(Image.new("RGB", (300, 200), "red"), "TIFF"))
    path = url("scan.tif", "60x40")
    with start_serve(media, tmp_path / "thumbs-default", key=KEY) as server:
        status, _, body = server.get(path)
        assert (status, body.startswith(b"source is not a supported image")) == (422, True)
    options = ("--source-format", "jpeg", "--source-format", "tiff")
    with start_serve(media, tmp_path / "thumbs-tiff", key=KEY, options=options) as server:
        status, _, body = server.get(path)
        assert (status, decode(body).size) == (200, (60, 40))
