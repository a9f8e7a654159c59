"""The request flow of docs/spec.md, section 2, through Django's test client."""

import logging
import os
import stat
import threading
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec
from restthumbnails.render import engine
from restthumbnails.storage.locks import ThumbnailLock, lock_key

from .conftest import files_under
from .support.images import decode, encode, jpeg, picture, png, png_claiming

SIG = "0" * 64


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=True)


@pytest.fixture
def photo(media: Path) -> str:
    (media / "photos").mkdir()
    (media / "photos" / "cat.jpg").write_bytes(jpeg(800, 600))
    return "photos/cat.jpg"


def lock_for(path: str, timeout: float = 10) -> ThumbnailLock:
    return ThumbnailLock(caches["default"], lock_key("restthumbnails", path), timeout)


def assert_plain_error(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"


def assert_unavailable_and_clean(response, retry_after: str, path: str, thumbs: Path) -> None:
    """503 with Retry-After, and neither a file nor a lock left behind."""
    assert_plain_error(response, 503)
    assert response["Retry-After"] == retry_after
    assert files_under(thumbs) == []
    assert not lock_for(path).held_by_anyone()


def test_first_request_generates_and_stores_at_the_url_path(
    client, photo, signed_path, thumbs, logs
) -> None:
    path = signed_path(photo, "200x100", "crop", "webp")
    response = client.get("/t/" + path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert decode(b"".join(response.streaming_content)).size == (200, 100)
    assert files_under(thumbs) == [path]
    generated = [r.getMessage() for r in logs.records if "generated" in r.getMessage()]
    assert len(generated) == 1 and generated[0].startswith("generated photos/cat.jpg/200x100/")
    assert SIG not in generated[0] and path.rsplit("/", 1)[1] not in generated[0]


def test_existing_thumbnail_is_served_without_reading_the_source(
    client, photo, signed_path, media, logs
) -> None:
    path = signed_path(photo, "100x100")
    assert client.get("/t/" + path).status_code == 200
    (media / photo).unlink()
    response = client.get("/t/" + path)
    assert response.status_code == 200
    assert sum("generated" in r.getMessage() for r in logs.records) == 1


def test_non_ascii_names_with_spaces(client, media, signed_path, thumbs) -> None:
    (media / "été 2026").mkdir()
    (media / "été 2026" / "café crème.jpg").write_bytes(jpeg(300, 300))
    path = signed_path("été 2026/café crème.jpg", "50x50")
    response = client.get("/t/été%202026/caf%C3%A9%20cr%C3%A8me.jpg/" + path.split(".jpg/", 1)[1])
    assert response.status_code == 200
    assert (thumbs / path).is_file()


def test_png_bytes_named_jpg_are_read_by_content(client, media, signed_path) -> None:
    (media / "liar.jpg").write_bytes(png(300, 200))
    response = client.get("/t/" + signed_path("liar.jpg", "150x", "scale", "jpg"))
    assert response.status_code == 200
    image = decode(b"".join(response.streaming_content))
    assert (image.format, image.size) == ("JPEG", (150, 100))


@pytest.mark.parametrize(
    "url",
    [
        "/t/%2e%2e/etc/passwd/100x100/crop/" + SIG + ".jpg",
        "/t/a/%2E%2E/b.jpg/100x100/crop/" + SIG + ".jpg",
        "/t/a%00b.jpg/100x100/crop/" + SIG + ".jpg",
        "/t/a%C2%85b.jpg/100x100/crop/" + SIG + ".jpg",  # NEL, a C1 control character
        "/t/a%5c..%5cb.jpg/100x100/crop/" + SIG + ".jpg",
        "/t//etc/passwd/100x100/crop/" + SIG + ".jpg",
        "/t/a.jpg/100x100/crop/" + SIG + ".exe",
        "/t/a.jpg/100x100/rotate/" + SIG + ".jpg",
        "/t/a.jpg/0100x100/crop/" + SIG + ".jpg",
        "/t/a.jpg/5000x100/crop/" + SIG + ".jpg",
        "/t/a.jpg/x/crop/" + SIG + ".jpg",
        # Shaped like the methods to come, but this server cannot render them.
        "/t/a.jpg/100x100/Faces/" + SIG + ".jpg",
        "/t/a.jpg/100x100/focus-030-70/" + SIG + ".jpg",
        # Thumbnail-shaped but not the one canonical spelling.
        "/t/a.jpg/100X100/crop/" + SIG + ".jpg",
        "/t/a.jpg/100x100/CROP/" + SIG + ".jpg",
        "/t/a.jpg/100x100/crop/" + "AB" * 32 + ".jpg",
        "/t/a.jpg/100x100/crop/" + SIG + ".JPG",
    ],
)
def test_malformed_urls_are_400_with_a_log_line(client, url, thumbs, logs) -> None:
    response = client.get(url)
    assert_plain_error(response, 400)
    assert url[3:12].encode() not in response.content  # the body never echoes the path
    assert any(r.levelno >= logging.INFO and "400" in r.getMessage() for r in logs.records)
    assert files_under(thumbs) == []


@pytest.mark.parametrize(
    "url",
    [
        "/t/",
        "/t/a.jpg",
        "/t/favicon.ico",
        "/t/a.jpg/100x100/crop/short.jpg",  # no 64-hex signature
        "/t/a.jpg/100x100/crop/" + SIG,  # no extension
        "/t/100x100/crop/" + SIG + ".jpg",  # no source
        "/t/a.jpg/100x100/crop/" + SIG + ".jpg/more",
    ],
)
def test_paths_below_the_mount_that_are_not_thumbnail_shaped_are_404_no_store(
    client, url, thumbs, logs
) -> None:
    """Not Django's HTML 404: one plain line, never cached, and our own log line."""
    response = client.get(url)
    assert_plain_error(response, 404)
    assert response.content == b"not a thumbnail URL\n"
    lines = [r.getMessage() for r in logs.records]
    assert len(lines) == 1 and lines[0].startswith(f"404 {url[3:][:12]}")
    assert "not a thumbnail URL" in lines[0] and SIG not in lines[0]
    assert files_under(thumbs) == []


def test_wrong_signature_is_401(client, photo, thumbs, logs) -> None:
    response = client.get(f"/t/{photo}/100x100/crop/{SIG}.jpg")
    assert_plain_error(response, 401)
    assert "signature does not match" in logs.text
    assert SIG not in logs.text
    assert files_under(thumbs) == []


def test_missing_source_is_404(client, signed_path, thumbs) -> None:
    assert_plain_error(client.get("/t/" + signed_path("nope.jpg", "100x100")), 404)
    assert files_under(thumbs) == []


def get_unless_it_hangs(client, url: str, fifo: Path):
    """GET `url` in a thread. If it is still blocked after a generous wait, open the
    FIFO's write end so the blocked open() returns, and fail: a request thread
    must never wait on a FIFO at all. The wait only bounds a hang; nothing is timed."""
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(client.get(url)), daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():
        writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(writer)
        thread.join(timeout=10)
        pytest.fail(f"GET {url} blocked on the FIFO")
    return answers[0]


def test_sources_that_are_not_regular_files_are_404_without_blocking(
    client, media, tmp_path, signed_path, thumbs, logs
) -> None:
    (media / "folder.jpg").mkdir()
    os.mkfifo(media / "pipe.jpg")  # nobody ever writes to it
    (media / "pipe-alias.jpg").symlink_to(media / "pipe.jpg")  # a symlink inside the root
    (media / "zero.jpg").symlink_to("/dev/zero")  # leaves the root: "not found" as before
    for name in ("folder.jpg", "pipe.jpg", "pipe-alias.jpg", "zero.jpg"):
        response = get_unless_it_hangs(
            client, "/t/" + signed_path(name, "100x100"), media / "pipe.jpg"
        )
        assert_plain_error(response, 404)
    assert files_under(thumbs) == []
    assert logs.text.count("source is not a regular file") == 3
    assert "Traceback" not in logs.text


def test_a_device_inside_the_media_root_is_404_and_never_opened(
    client, media, signed_path, thumbs
) -> None:
    try:  # /dev/zero's numbers: needs CAP_MKNOD, which containers may lack
        os.mknod(media / "zero.jpg", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("cannot create a device node here")
    response = client.get("/t/" + signed_path("zero.jpg", "100x100"))
    assert_plain_error(response, 404)
    assert response.content == b"source is not a regular file\n"
    assert files_under(thumbs) == []


def test_symlink_out_of_the_media_root_is_404_and_never_read(
    client, media, tmp_path, signed_path, thumbs
) -> None:
    outside = tmp_path / "private.jpg"
    outside.write_bytes(jpeg(300, 300))
    (media / "leak.jpg").symlink_to(outside)
    (media / "inside.jpg").write_bytes(jpeg(300, 300))
    (media / "alias.jpg").symlink_to(media / "inside.jpg")
    assert_plain_error(client.get("/t/" + signed_path("leak.jpg", "100x100")), 404)
    assert client.get("/t/" + signed_path("alias.jpg", "100x100")).status_code == 200
    assert [name.split("/")[0] for name in files_under(thumbs)] == ["alias.jpg"]


def test_names_the_filesystem_cannot_hold_are_404(client, media, signed_path, thumbs) -> None:
    (media / "loop.jpg").symlink_to(media / "loop.jpg")  # ELOOP
    assert_plain_error(client.get("/t/" + signed_path("loop.jpg", "100x100")), 404)
    too_long = "a" * 300 + ".jpg"  # one segment over NAME_MAX: ENAMETOOLONG
    assert_plain_error(client.get("/t/" + signed_path(too_long, "100x100")), 404)
    assert files_under(thumbs) == []


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch", "options"])
def test_other_methods_are_405(client, photo, signed_path, method) -> None:
    response = getattr(client, method)("/t/" + signed_path(photo, "100x100"))
    assert_plain_error(response, 405)
    assert response["Allow"] == "GET, HEAD"


HOSTILE_FILES = {
    "empty.jpg": b"",
    "text.jpg": b"just some text, not a picture\n",
    "truncated.jpg": jpeg(800, 600)[:4000],
    "header-only.jpg": jpeg(800, 600)[:400],
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>',
    "doc.eps": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",
}


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_unprocessable_sources_are_422_and_write_nothing(
    client, media, signed_path, thumbs, name, logs
) -> None:
    (media / name).write_bytes(HOSTILE_FILES[name])
    response = client.get("/t/" + signed_path(name, "100x100"))
    assert_plain_error(response, 422)
    assert files_under(thumbs) == []
    assert "422" in logs.text
    assert "Traceback" not in logs.text


# Cut inside the pixel data: the header is whole, so decoding starts. (A GIF cut in a
# later frame is not here: both engines decode only the first frame today.)
TRUNCATED = {
    "png": png(800, 600)[:-200],
    "uncompressed.png": encode(picture(800, 600), "PNG", compress_level=0)[:700_000],
    "gif": encode(picture(800, 600), "GIF")[:6000],
    "jpg": jpeg(800, 600)[:6000],
    "webp": encode(picture(800, 600), "WEBP")[:-500],
}


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
@pytest.mark.parametrize("name", TRUNCATED)
def test_truncated_sources_are_422_on_both_engines_and_write_nothing(
    client, media, signed_path, thumbs, settings, engine_name, name, logs
) -> None:
    """libvips used to render the missing rows black (PNG) or as garbage (GIF) and
    store that thumbnail for a year; Pillow refused. Both refuse now."""
    if engine_name == "vips":
        pytest.importorskip("restthumbnails.render.vips_engine")
    settings.REST_THUMBNAILS_ENGINE = engine_name
    (media / f"cut.{name}").write_bytes(TRUNCATED[name])
    response = client.get("/t/" + signed_path(f"cut.{name}", "100x100", "crop", "png"))
    assert_plain_error(response, 422)
    assert files_under(thumbs) == []
    assert "Traceback" not in logs.text


def test_png_whose_header_claims_40000_squared_is_422(client, media, signed_path, thumbs) -> None:
    (media / "bomb.png").write_bytes(png_claiming(40000, 40000))
    assert_plain_error(client.get("/t/" + signed_path("bomb.png", "100x100")), 422)
    assert files_under(thumbs) == []


def test_source_over_max_bytes_is_422(client, media, signed_path, settings) -> None:
    (media / "big.jpg").write_bytes(jpeg(400, 400))
    settings.REST_THUMBNAILS_MAX_SOURCE_BYTES = 1000
    response = client.get("/t/" + signed_path("big.jpg", "100x100"))
    assert_plain_error(response, 422)
    assert b"over the limit" in response.content


def test_lock_held_by_another_worker_gives_404_no_store(
    client, photo, signed_path, thumbs
) -> None:
    path = signed_path(photo, "100x100")
    assert lock_for(path).acquire()
    response = client.get("/t/" + path)
    assert_plain_error(response, 404)
    assert files_under(thumbs) == []


def test_expired_lock_lets_the_next_request_regenerate(
    client, photo, signed_path, thumbs, settings
) -> None:
    path = signed_path(photo, "100x100")
    stale = lock_for(path, timeout=1)
    assert stale.acquire()
    # An expired entry is what a crashed owner leaves; expire it without waiting.
    caches["default"]._expire_info[caches["default"].make_key(stale.key)] = 0
    assert client.get("/t/" + path).status_code == 200
    assert files_under(thumbs) == [path]
    # the stale owner cannot release a lock it no longer holds
    assert stale.release() is False


def test_lock_is_released_only_by_its_owner() -> None:
    first = lock_for("a.jpg/1x1/crop/x.jpg")
    intruder = lock_for("a.jpg/1x1/crop/x.jpg")
    assert first.acquire() and not intruder.acquire()
    assert intruder.release() is False
    assert first.held_by_anyone()
    assert first.release() is True
    assert not first.held_by_anyone()


def test_lock_wait_serves_the_file_the_other_worker_writes(
    client, photo, signed_path, thumbs, settings
) -> None:
    settings.REST_THUMBNAILS_LOCK_WAIT = 5
    path = signed_path(photo, "100x100")
    other = lock_for(path)
    assert other.acquire()
    data = engine.encode(picture(100, 100), "jpg", engine.EngineOptions())

    def other_worker_finishes() -> None:
        (thumbs / path).parent.mkdir(parents=True)
        (thumbs / path).write_bytes(data)
        other.release()

    timer = threading.Timer(0.3, other_worker_finishes)
    timer.start()
    try:
        response = client.get("/t/" + path)
    finally:
        timer.join()
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data


def test_lock_wait_gives_up_with_404_when_the_holder_never_finishes(
    client, photo, signed_path, settings
) -> None:
    settings.REST_THUMBNAILS_LOCK_WAIT = 0.2
    path = signed_path(photo, "100x100")
    assert lock_for(path).acquire()
    assert_plain_error(client.get("/t/" + path), 404)


def test_lock_is_released_after_generation_and_after_failure(
    client, media, photo, signed_path
) -> None:
    good = signed_path(photo, "100x100")
    assert client.get("/t/" + good).status_code == 200
    assert not lock_for(good).held_by_anyone()
    (media / "bad.jpg").write_bytes(b"nope")
    bad = signed_path("bad.jpg", "100x100")
    assert client.get("/t/" + bad).status_code == 422
    assert not lock_for(bad).held_by_anyone()


def test_encoder_failure_leaves_no_file_and_no_lock(
    client, photo, signed_path, thumbs, monkeypatch, settings
) -> None:
    settings.REST_THUMBNAILS_RENDER_POOL = "inline"  # the patch is seen in this process only

    def broken_encoder(*args, **kwargs):
        raise OSError("encoder exploded")

    monkeypatch.setattr(engine, "encode", broken_encoder)
    path = signed_path(photo, "100x100")
    with pytest.raises(OSError, match="encoder exploded"):
        client.get("/t/" + path)
    assert files_under(thumbs) == []
    assert not lock_for(path).held_by_anyone()


def test_failed_write_is_503_with_retry_after_and_leaves_nothing(
    client, photo, signed_path, thumbs, monkeypatch, settings
) -> None:
    # The patch is seen in this process only; a render process's own failed write
    # is tests/test_full_disk.py's (a full tmpfs, RLIMIT_FSIZE, a missing folder).
    settings.REST_THUMBNAILS_RENDER_POOL = "inline"

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    path = signed_path(photo, "100x100")
    assert_unavailable_and_clean(client.get("/t/" + path), "5", path, thumbs)


def test_key_rotation_through_settings(client, photo, signed_path, settings) -> None:
    old_path = signed_path(photo, "100x100")  # signed with SECRET_KEY
    settings.REST_THUMBNAILS_SECRET_KEY = "brand-new-thumbnail-key"
    assert client.get("/t/" + old_path).status_code == 401
    settings.REST_THUMBNAILS_SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    assert client.get("/t/" + old_path).status_code == 200


def test_a_fallback_key_given_as_a_string_never_verifies_one_character_keys(
    client, photo, settings, thumbs
) -> None:
    spec = make_spec(photo, "100x100", "crop", "jpg")
    signed_with_o = "/t/" + spec.name(sign(spec, key="o"))
    signed_with_old = "/t/" + spec.name(sign(spec, key="old-thumbnail-key"))
    # The mistake: a string where a list belongs. It used to mean the keys
    # "o", "l", "d", ...; now the settings are refused (system check E001 at start-up).
    settings.REST_THUMBNAILS_SECRET_KEY_FALLBACKS = "old-thumbnail-key"
    with pytest.raises(ImproperlyConfigured, match="must be a list or tuple of keys"):
        client.get(signed_with_o)
    assert files_under(thumbs) == []
    # Written as a list, the old key verifies and its first letter does not.
    settings.REST_THUMBNAILS_SECRET_KEY_FALLBACKS = ["old-thumbnail-key"]
    assert_plain_error(client.get(signed_with_o), 401)
    assert client.get(signed_with_old).status_code == 200


# Response backends


def test_django_backend_conditional_get_and_head(client, photo, signed_path) -> None:
    url = "/t/" + signed_path(photo, "100x100")
    first = client.get(url)
    body = b"".join(first.streaming_content)
    assert first["Content-Length"] == str(len(body))
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == str(len(body))


def test_nginx_backend_answers_x_accel_redirect(client, photo, signed_path, settings) -> None:
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "nginx"
    (Path(settings.STORAGES["sources"]["OPTIONS"]["location"]) / "a b.jpg").write_bytes(
        jpeg(200, 200)
    )
    path = signed_path("a b.jpg", "100x100")
    response = client.get("/t/" + path.replace(" ", "%20"))
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == "/t/" + path.replace(" ", "%20")
    assert response["Content-Type"] == "image/jpeg"
    settings.REST_THUMBNAILS_NGINX_LOCATION = "/_thumbs/"
    response = client.get("/t/" + path)
    assert response["X-Accel-Redirect"] == "/_thumbs/" + path.replace(" ", "%20")


def test_sendfile_backend_answers_the_absolute_path(
    client, photo, signed_path, settings, thumbs
) -> None:
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "sendfile"
    path = signed_path(photo, "100x100")
    response = client.get("/t/" + path)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Sendfile"] == str(thumbs / path)
    assert Path(response["X-Sendfile"]).is_file()


def test_sendfile_path_is_raw_utf8_or_percent_encoded(
    client, media, signed_path, settings, thumbs
) -> None:
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "sendfile"
    (media / "café 100%.jpg").write_bytes(jpeg(200, 200))
    path = signed_path("café 100%.jpg", "100x100")
    target = str(thumbs / path)
    # Default: the UTF-8 bytes of the path, which WSGI writes as Latin-1 unchanged
    # (what Apache's mod_xsendfile 0.12 opens byte for byte).
    response = client.get("/t/" + path)
    assert response["X-Sendfile"].encode("latin-1") == target.encode("utf-8")
    # For lighttpd, which URL-decodes the value:
    settings.REST_THUMBNAILS_SENDFILE_ESCAPE = True
    response = client.get("/t/" + path)
    assert response["X-Sendfile"] == quote(target)
    assert "caf%C3%A9%20100%25.jpg/100x100/" in response["X-Sendfile"]
    assert Path(unquote(response["X-Sendfile"])).is_file()


def test_redirect_backend_and_dotted_path(client, photo, signed_path, settings) -> None:
    settings.STORAGES["thumbnails"]["OPTIONS"]["base_url"] = "https://cdn.example/th/"
    settings.STORAGES = dict(settings.STORAGES)
    settings.REST_THUMBNAILS_RESPONSE_BACKEND = "restthumbnails.serving.responses.redirect.respond"
    path = signed_path(photo, "100x100")
    response = client.get("/t/" + path)
    assert response.status_code == 302
    assert response["Location"] == "https://cdn.example/th/" + path


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
def test_bytes_of_a_source_in_each_format(
    client, media, signed_path, settings, engine_name
) -> None:
    settings.REST_THUMBNAILS_ENGINE = engine_name
    # TIFF and BMP are opt-in (docs/security.md): this site opts in.
    settings.REST_THUMBNAILS_SOURCE_FORMATS = ["JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP"]
    for fmt, ext in [("GIF", "gif"), ("WEBP", "webp"), ("TIFF", "tif"), ("BMP", "bmp")]:
        (media / f"s.{ext}").write_bytes(encode(picture(200, 100), fmt))
        response = client.get("/t/" + signed_path(f"s.{ext}", "100x", "scale", "png"))
        assert response.status_code == 200, fmt
        assert decode(b"".join(response.streaming_content)).size == (100, 50)


class UnreachableCache:
    """What a Redis or memcached client does when its server is down."""

    def __getattr__(self, name: str):
        def fail(*args, **kwargs):
            raise ConnectionRefusedError(111, "Connection refused")

        return fail


def test_lock_service_down_is_503_and_existing_thumbnails_still_serve(
    client, photo, signed_path, thumbs, monkeypatch, logs
) -> None:
    existing = signed_path(photo, "50x50")
    assert client.get("/t/" + existing).status_code == 200
    monkeypatch.setattr("restthumbnails.serving.wiring.caches", {"default": UnreachableCache()})
    response = client.get("/t/" + signed_path(photo, "100x100"))
    assert_plain_error(response, 503)
    assert response["Retry-After"] == "5"
    assert client.get("/t/" + existing).status_code == 200
    assert files_under(thumbs) == [existing]
    assert "lock cache unavailable: ConnectionRefusedError" in logs.text


def test_post_with_csrf_middleware_is_405_not_the_csrf_page(photo, signed_path, settings) -> None:
    # Input: a POST without a CSRF token to a site running CsrfViewMiddleware.
    # Answer: our 405 with Allow, not Django's 403 CSRF page.
    settings.MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
    response = Client(enforce_csrf_checks=True).post("/t/" + signed_path(photo, "100x100"))
    assert_plain_error(response, 405)
    assert response["Allow"] == "GET, HEAD"
