"""What a host without an extra answers: one line naming the `pip install` to run.

The suite's venv holds every extra, so a missing one is simulated: its module is
hidden (None in sys.modules, or find_spec answering None), as on a bare install.
The install lanes (tests/lanes/) check the same on a real bare install.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

import restthumbnails

from .support.images import jpeg

KEY = "extras-test-key-" + "0123456789" * 4
# The package under test, wherever this run imports it from.
SOURCES = Path(restthumbnails.__file__).resolve().parents[1]


def run_cli(
    tmp_path: Path, hidden: tuple[str, ...], *argv: str
) -> subprocess.CompletedProcess[str]:
    """`restthumbnails ARGV` in a process where importing `hidden` fails."""
    code = (
        "import sys\n"
        f"for name in {hidden!r}: sys.modules[name] = None\n"
        "from restthumbnails.server.cli import main\n"
        f"sys.exit(main({list(argv)!r}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "PYTHONPATH": str(SOURCES),
        },
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", ["warm", "stats", "clean"])
def test_folder_commands_run_without_the_s3_libraries(tmp_path: Path, command: str) -> None:
    # Input: warm/stats/clean on a plain folder where botocore, boto3 and storages
    # cannot be imported (a bare `pip install restthumbnails`). Answer: exit 0.
    # Before the fix each died with ModuleNotFoundError: botocore.
    media = tmp_path / "images"
    media.mkdir()
    (media / "photo.jpg").write_bytes(jpeg(64, 48))
    hidden = ("botocore", "boto3", "storages")
    warmed = run_cli(tmp_path, hidden, "warm", str(media), "--size", "8x8", "--secret-key", KEY)
    assert warmed.returncode == 0, warmed.stderr
    key = ["--secret-key", KEY] if command == "clean" else []  # stats takes no key
    done = warmed if command == "warm" else run_cli(tmp_path, hidden, command, str(media), *key)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("argv", "hidden", "extra"),
    [
        (["serve", "s3://photos"], ("storages", "boto3", "botocore"), "s3"),
        (["serve", "{media}", "--engine", "vips"], ("pyvips",), "vips"),
        (["warm", "{media}", "--size", "8x8", "--method", "faces"], ("cv2",), "faces"),
    ],
)
def test_a_command_without_its_extra_exits_2_with_one_line(
    tmp_path: Path, argv: list[str], hidden: tuple[str, ...], extra: str
) -> None:
    # Input: a feature whose extra is not installed. Answer: exit 2 and one stderr
    # line naming `pip install 'restthumbnails[EXTRA]'`. Before: `serve s3://photos`
    # asked for --thumbnails-dir first, `--engine vips` exited 1 with Django's
    # check format, `warm --method faces` refused every source one by one.
    media = tmp_path / "images"
    media.mkdir()
    (media / "photo.jpg").write_bytes(jpeg(64, 48))
    argv = [word.replace("{media}", str(media)) for word in argv] + ["--secret-key", KEY]
    done = run_cli(tmp_path, hidden, *argv)
    lines = [line for line in done.stderr.splitlines() if not line.startswith("warm: signing")]
    assert done.returncode == 2
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("restthumbnails: ")
    assert lines[0].endswith(f"pip install 'restthumbnails[{extra}]'")


@pytest.fixture
def hide(monkeypatch: pytest.MonkeyPatch):
    """hide('redis'): find_spec answers None for it, as without the package."""
    hidden: set[str] = set()
    real = importlib.util.find_spec

    def find_spec(name: str, *args, **kwargs):
        return None if name in hidden else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    return hidden.update


def errors(code: str = "restthumbnails.E001") -> list[str]:
    return [message.msg for message in run_checks() if message.id == code]


def test_an_s3_storage_alias_without_its_libraries_is_a_check_error(settings, hide) -> None:
    # Input: sources on an S3Storage alias, storages and boto3 not installed.
    # Answer: one check error naming the pip install. Before: `check` crashed with
    # InvalidStorageError ("Could not find backend") from inside another check.
    hide(("storages", "boto3"))
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "b"}},
    }
    settings.REST_THUMBNAILS_SOURCE_STORAGE = "photos"
    assert errors() == [
        "REST_THUMBNAILS_SOURCE_STORAGE names 'photos': its backend "
        "storages.backends.s3.S3Storage needs the 'storages' and 'boto3' packages: "
        "pip install 'restthumbnails[s3]'"
    ]


@pytest.mark.parametrize(
    ("backend", "module", "extra"),
    [
        ("django.core.cache.backends.redis.RedisCache", "redis", "redis"),
        ("django.core.cache.backends.memcached.PyMemcacheCache", "pymemcache", "memcached"),
    ],
)
def test_a_lock_cache_without_its_client_is_a_check_error(
    settings, hide, backend: str, module: str, extra: str
) -> None:
    # Input: the lock cache on Redis or memcached without the client library.
    # Answer: a check error naming the pip install. Before: `check` passed for
    # Redis, and every thumbnail request failed on the lock.
    hide((module,))
    settings.CACHES = {**settings.CACHES, "locks": {"BACKEND": backend, "LOCATION": "x:1"}}
    settings.REST_THUMBNAILS_CACHE = "locks"
    [error] = errors()
    assert error.startswith("REST_THUMBNAILS_CACHE names 'locks': its backend")
    assert error.endswith(f"pip install 'restthumbnails[{extra}]'")


@pytest.mark.parametrize(
    ("module", "package", "extra"),
    [
        ("tasks", "celery", "celery"),
        ("jinja2", "jinja2", "jinja2"),
        ("rest_framework", "rest_framework", "drf"),
    ],
)
def test_an_integration_module_without_its_extra_names_it(
    tmp_path: Path, module: str, package: str, extra: str
) -> None:
    # Input: `import restthumbnails.<module>` without its library. Answer: an
    # ImportError whose message is the pip install line.
    code = f"import sys; sys.modules[{package!r}] = None; import restthumbnails.{module}"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SOURCES)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"ImportError: restthumbnails.{module} needs the {package!r} package: "
        f"pip install 'restthumbnails[{extra}]'"
    )
