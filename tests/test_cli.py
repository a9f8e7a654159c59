"""The `restthumbnails` command: `url` in-process, `serve` as a real subprocess over HTTP."""

import importlib.util
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from subprocess import CompletedProcess
from urllib.parse import urlsplit

import pytest

from restthumbnails import __version__
from restthumbnails.core.formats import EXTENSIONS
from restthumbnails.server.cli import main
from restthumbnails.server.preflight import direct_clients_problem

from .conftest import files_under
from .support.images import decode, jpeg, png, png_claiming
from .support.serving import Server, free_port, start_serve

KEY = "cli-test-key"


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REST_THUMBNAILS_SECRET_KEY", raising=False)
    monkeypatch.delenv("REST_THUMBNAILS_KEY_FILE", raising=False)
    return tmp_path


def run_url(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["url", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", ["serve", "url", "nginx-config"])
def test_help_documents_every_option(capsys, command: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    if command == "serve":
        for option in ("--thumbnails-dir", "--lock-timeout", "--sendfile-escape", "--engine"):
            assert option in out


def test_url_prints_a_signed_url(capsys, isolated_home) -> None:
    code, out, err = run_url(
        capsys,
        "animals/kitten.jpg",
        "100x100",
        "crop",
        ".jpg",
        "--secret-key",
        "example-key",
        "--base-url",
        "https://t.example/",
    )
    assert code == 0 and err == ""
    assert out == (
        "https://t.example/animals/kitten.jpg/100x100/crop/"
        "5eaa0a8ce0155ef3207290c0145dad8485189f733120ca5f489e1055146ad28e.jpg\n"
    )
    code, out_no_dot, _ = run_url(
        capsys,
        "animals/kitten.jpg",
        "100x100",
        "crop",
        "jpg",
        "--secret-key",
        "example-key",
        "--base-url",
        "https://t.example/",
    )
    assert out_no_dot == out


def test_url_reads_the_key_from_the_environment(capsys, isolated_home, monkeypatch) -> None:
    monkeypatch.setenv("REST_THUMBNAILS_SECRET_KEY", "example-key")
    code, out, _ = run_url(capsys, "animals/kitten.jpg", "100x100", "crop", "jpg")
    assert code == 0 and "5eaa0a8ce0155ef3" in out


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("a.jpg", "100", "crop", "jpg"), "size"),
        (("a.jpg", "100x100", "zoom", "jpg"), "method"),
        (("a.jpg", "100x100", "crop", "exe"), "extension"),
        (("../etc/passwd", "100x100", "crop", "jpg"), "segment"),
        (("/etc/passwd", "100x100", "crop", "jpg"), "absolute"),
    ],
)
def test_url_rejects_bad_input_with_one_line(capsys, isolated_home, args, reason) -> None:
    code, out, err = run_url(capsys, *args, "--secret-key", KEY)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and reason in err


def test_url_without_any_key_says_where_it_looked(capsys, isolated_home) -> None:
    code, out, err = run_url(capsys, "a.jpg", "100x100", "crop", "jpg")
    assert code != 0 and out == ""
    assert "REST_THUMBNAILS_SECRET_KEY" in err and "secret-key" in err


@pytest.fixture
def served(tmp_path: Path, isolated_home: Path) -> Iterator[Server]:
    media = tmp_path / "media"
    (media / "sub dir").mkdir(parents=True)
    (media / "photo.jpg").write_bytes(jpeg(1200, 800))
    (media / "sub dir" / "pic.png").write_bytes(png(400, 400, "RGBA"))
    (media / "broken.jpg").write_bytes(jpeg(1200, 800)[:2000])
    (media / "bomb.png").write_bytes(png_claiming(40000, 40000))
    (tmp_path / "secret.jpg").write_bytes(jpeg(100, 100))
    (media / "escape.jpg").symlink_to(tmp_path / "secret.jpg")
    with start_serve(media, tmp_path / "thumbs", key=KEY) as server:
        yield server


def signed(capsys, source: str, size: str, method: str, ext: str) -> str:
    code, out, _ = run_url(
        capsys, source, size, method, ext, "--secret-key", KEY, "--base-url", "/"
    )
    assert code == 0
    return urlsplit(out.strip()).path


def test_serve_answers_real_http(served: Server, capsys, tmp_path) -> None:
    startup = served.log.read_text()
    assert "thumbnails " in startup and "signing key from --secret-key" in startup
    assert "/photo.jpg/" in startup  # ready-made example URLs

    path = signed(capsys, "photo.jpg", "300x200", "smart", "webp")
    status, headers, body = served.get(path)
    assert status == 200 and headers["Content-Type"] == "image/webp"
    assert decode(body).size == (300, 200)
    status, _, again = served.get(path)
    assert status == 200 and again == body

    path = signed(capsys, "sub dir/pic.png", "100x", "scale", "png")
    status, headers, body = served.get(path.replace(" ", "%20"))
    assert status == 200 and decode(body).mode == "RGBA"

    status, headers, body = served.get(signed(capsys, "photo.jpg", "50x50", "crop", "jpg"), "HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0

    hostile = {
        "/photo.jpg/300x200/smart/" + "0" * 64 + ".webp": 401,
        "/%2e%2e/etc/passwd/100x100/crop/" + "0" * 64 + ".jpg": 400,
        "/photo.jpg/100x100/crop/" + "0" * 63 + ".jpg": 404,  # not a thumbnail's shape
        "/photo.jpg/100X100/crop/" + "0" * 64 + ".jpg": 400,
        signed(capsys, "missing.jpg", "100x100", "crop", "jpg"): 404,
        signed(capsys, "escape.jpg", "100x100", "crop", "jpg"): 404,
        signed(capsys, "broken.jpg", "100x100", "crop", "jpg"): 422,
        signed(capsys, "bomb.png", "100x100", "crop", "jpg"): 422,
    }
    for url, expected in hostile.items():
        status, headers, body = served.get(url)
        assert (url, status) == (url, expected)
        assert headers["Cache-Control"] == "no-store"
    assert served.get(path, "POST")[0] == 405

    log = served.log.read_text()
    assert log.count("generated ") == 3
    assert "Traceback" not in log
    names = files_under(tmp_path / "thumbs")
    assert len(names) == 3 and not any(name.startswith("escape") for name in names)


def test_url_reads_the_key_from_a_file(capsys, isolated_home, tmp_path) -> None:
    # The same URL as with --secret-key example-key (above), the key kept out of ps.
    key_file = tmp_path / "key"
    key_file.write_text("example-key\n")
    code, out, err = run_url(
        capsys,
        "animals/kitten.jpg",
        "100x100",
        "crop",
        "jpg",
        "--secret-key-file",
        str(key_file),
        "--base-url",
        "https://t.example/",
    )
    assert (code, err) == (0, "")
    assert out.strip().endswith(
        "/crop/5eaa0a8ce0155ef3207290c0145dad8485189f733120ca5f489e1055146ad28e.jpg"
    )


@pytest.mark.parametrize("command", ["url", "serve"])
@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, ": cannot read it (No such file or directory)"), ("\n", " is empty")],
)
def test_a_missing_or_empty_key_file_is_a_one_line_error(
    capsys, isolated_home, tmp_path, media, command, content, reason
) -> None:
    key_file = tmp_path / "key"
    if content is not None:
        key_file.write_text(content)
    args = ["a.jpg", "100x100", "crop", "jpg"] if command == "url" else [str(media)]
    code = main([command, *args, "--secret-key-file", str(key_file)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == f"restthumbnails: --secret-key-file {key_file}{reason}\n"
    # serve did not fall back to making a key of its own.
    assert not (isolated_home / "config").exists()


def test_key_and_key_file_together_are_refused(capsys, isolated_home, tmp_path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["url", "a.jpg", "1x1", "crop", "jpg", "--secret-key", "k", "--secret-key-file", "f"])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_serve_accepts_urls_signed_with_the_key_in_its_key_file(
    capsys, isolated_home, tmp_path, media
) -> None:
    (media / "photo.jpg").write_bytes(jpeg(600, 400))
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    with start_serve(
        media, tmp_path / "thumbs", key=None, options=("--secret-key-file", str(key_file))
    ) as server:
        status, _, body = server.get(signed(capsys, "photo.jpg", "60x40", "crop", "png"))
        assert status == 200 and decode(body).size == (60, 40)
        # A URL signed with another key is still refused.
        other = signed(capsys, "photo.jpg", "60x40", "crop", "png").replace("/60x40/", "/61x40/")
        assert server.get(other)[0] == 401
        log = server.log.read_text()
    assert f"signing key from --secret-key-file {key_file}" in log
    assert KEY not in " ".join(server.process.args)


def run_serve(tmp_path: Path, media: Path, *args: str, **env: str) -> CompletedProcess[str]:
    """`serve` as a subprocess that must refuse to start (a server that starts
    instead is stopped by the timeout, and the test fails)."""
    environment = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        **env,
    }
    environment.pop("REST_THUMBNAILS_SECRET_KEY", None)
    environment.pop("REST_THUMBNAILS_KEY_FILE", None)
    port = str(free_port())
    return subprocess.run(
        [sys.executable, "-m", "restthumbnails", "serve", str(media), "--port", port, *args],
        capture_output=True,
        text=True,
        timeout=20,
        env=environment,
        check=False,
    )


def test_serve_refuses_a_thumbnails_folder_holding_its_key_file(tmp_path, media) -> None:
    thumbs = tmp_path / "thumbs"
    # The key file serve would create: $XDG_CONFIG_HOME points into the thumbnails.
    done = run_serve(
        tmp_path, media, "--thumbnails-dir", str(thumbs), XDG_CONFIG_HOME=str(thumbs / "cfg")
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f"restthumbnails: the key file {thumbs}/cfg/restthumbnails/secret-key is inside the "
        f"thumbnails folder {thumbs}: move it ($REST_THUMBNAILS_KEY_FILE or $XDG_CONFIG_HOME) "
        "or choose another --thumbnails-dir\n"
    )
    assert not (thumbs / "cfg").exists()
    # A key file given on the command line.
    (thumbs / "key").write_text(KEY)
    done = run_serve(
        tmp_path, media, "--thumbnails-dir", str(thumbs), "--secret-key-file", str(thumbs / "key")
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"the key file {thumbs}/key is inside the thumbnails folder" in done.stderr
    assert "move it (--secret-key-file)" in done.stderr


def test_serve_refuses_a_thumbnails_folder_holding_its_lock_file(tmp_path, media) -> None:
    thumbs = tmp_path / "thumbs"
    done = run_serve(
        tmp_path,
        media,
        "--thumbnails-dir",
        str(thumbs),
        "--secret-key",
        KEY,
        XDG_CACHE_HOME=str(thumbs / ".cache"),
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"restthumbnails: the lock file {thumbs}/.cache/restthumbnails/")
    assert "set $XDG_CACHE_HOME elsewhere, use --cache-url or choose another --thumbnails-dir" in (
        done.stderr
    )
    assert not (thumbs / ".cache").exists()


def test_serve_refuses_a_non_loopback_address_without_behind_proxy(tmp_path, media) -> None:
    # 192.0.2.1 (TEST-NET-1) is never bound: the refusal comes before any socket.
    done = run_serve(tmp_path, media, "--host", "192.0.2.1", "--secret-key", KEY)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "restthumbnails: --host 192.0.2.1 is not a loopback address: serve must not face "
        "clients directly (slow clients hold its threads); put a buffering proxy such as "
        "nginx in front and add --behind-proxy\n"
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),  # noqa: S104 (a string checked, nothing bound)
        ("::", False),
        ("", False),
        ("192.168.1.5", False),
        ("thumbs.example.com", False),
    ],
)
def test_which_hosts_need_behind_proxy(host: str, loopback: bool) -> None:
    assert (direct_clients_problem(host, behind_proxy=False) is None) is loopback
    assert direct_clients_problem(host, behind_proxy=True) is None


def test_help_shows_value_names_choices_and_every_output_format(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "SETTING_" not in out
    assert "--engine {pillow,vips}" in out
    assert "--generation-timeout SECONDS" in out and "--allow SIZE/METHOD" in out
    with pytest.raises(SystemExit):
        main(["url", "--help"])
    out = capsys.readouterr().out
    assert all(ext in out for ext in sorted(EXTENSIONS))


@pytest.mark.parametrize(
    ("cores", "with_django", "behind_proxy"), [(1, 1, 1), (2, 2, 1), (8, 8, 2), (16, 16, 4)]
)
def test_serve_states_its_default_http_workers_for_each_kind_of_backend(
    capsys, monkeypatch, cores: int, with_django: int, behind_proxy: int
) -> None:
    """One per core where the workers send every hit (django), one per four cores
    behind a proxy, which sends the hits; the render pool does the misses' CPU work."""
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"with the django backend = {with_django}," in help_text
    assert f"at least one = {behind_proxy})" in help_text


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert (exit_.value.code, capsys.readouterr().out) == (0, f"restthumbnails {__version__}\n")


def test_a_bad_setting_option_is_named_by_its_flag(tmp_path, media) -> None:
    done = run_serve(tmp_path, media, "--allow", "200x200/blah", "--secret-key", KEY)
    assert done.returncode != 0
    assert "--allow is invalid: entry '200x200/blah'" in done.stderr
    assert "REST_THUMBNAILS_ALLOWED_THUMBNAILS" not in done.stderr


def test_a_port_in_use_is_refused_before_start(tmp_path, media) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_serve(tmp_path, media, "--port", str(port), "--secret-key", KEY)
    assert done.returncode == 2
    assert done.stderr.endswith(
        f"restthumbnails: port {port} on 127.0.0.1 is in use: choose another with --port\n"
    )
    assert "listening on" not in done.stderr


def test_a_lock_service_without_its_client_library_is_refused(monkeypatch) -> None:
    # Input: --cache-url redis://... on a host without the redis package.
    # Answer: a start-up error with the pip command, not a 503 on every miss.
    from restthumbnails.server import preflight
    from restthumbnails.server.settings import lock_cache_settings

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "redis" else real_find_spec(name, *a),
    )
    lock = lock_cache_settings("redis://127.0.0.1:6379/0", Path("/tmp/thumbs"))
    assert preflight.missing_client_library(lock) == (
        "--cache-url redis://127.0.0.1:6379/0 needs the 'redis' package: "
        "pip install 'restthumbnails[redis]'"
    )
    memcached = lock_cache_settings("memcached://127.0.0.1:11211", Path("/tmp/thumbs"))
    assert preflight.missing_client_library(memcached) is None  # pymemcache is installed


def test_the_cli_loads_no_metrics_before_serve_sets_their_folder() -> None:
    # prometheus_client picks its multi-process mode when it is first imported: if the
    # CLI imported it before serve sets PROMETHEUS_MULTIPROC_DIR, /_metrics would be empty.
    code = "import sys, restthumbnails.server.cli; print('prometheus_client' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
