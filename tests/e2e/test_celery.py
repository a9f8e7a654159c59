"""Background generation: a real Celery worker on a real Redis broker, both started here.

A model saved with an uploaded image gets its presets' thumbnails from the
worker; a worker killed half-way through a batch leaves it to the next worker,
which finishes it without writing any thumbnail twice.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from restthumbnails.core.logsafe import redact
from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from ..lifecycle_site.settings import REST_THUMBNAILS_PRESETS, SECRET_KEY
from ..support.images import png
from .stack import Stack
from .support import Process, files_under, poll, require_module, start_process

REPOSITORY = Path(__file__).resolve().parents[2]
GENERATED = re.compile(r"generated (\S+) in \d+ ms")


def site_env(home: Path, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REST_THUMBNAILS_")}
    env.update(
        LIFECYCLE_SITE_DIR=str(home),
        LIFECYCLE_REDIS=redis_url.rsplit("/", 1)[0],
        DJANGO_SETTINGS_MODULE="tests.lifecycle_site.settings",
        PYTHONPATH=str(REPOSITORY),
        PYTHONUNBUFFERED="1",
    )
    return env


def start_worker(stack: Stack, name: str, env: dict[str, str]) -> Process:
    argv = [sys.executable, "-m", "celery", "-A", "tests.lifecycle_site.celery_app", "worker"]
    argv += ["--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
    argv += ["--without-heartbeat", "--hostname", f"{name}@%h"]
    process = start_process(name, argv, workdir=stack.workdir, env=env)
    stack.processes.append(process)
    poll(
        lambda: "ready." in process.output() or not process.running(),
        timeout=60,
        what=f"{name} to be ready",
    )
    assert process.running(), process.describe()
    return process


def run_in_site(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    """`python ARGV...` in the test site, as its owner would run it."""
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPOSITORY,
        timeout=120,
        check=False,
    )


def save_photo(env: dict[str, str], image: Path) -> str:
    done = run_in_site(env, "-m", "tests.lifecycle_site.scripts", "save", str(image))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])["name"]


def expected_thumbnails(source: str) -> list[str]:
    names = []
    for size, method, ext in REST_THUMBNAILS_PRESETS.values():
        spec = make_spec(source, size, method, ext)
        names.append(spec.name(sign(spec, key=SECRET_KEY)))
    return sorted(names)


def generated(*workers: Process) -> list[str]:
    return [name for worker in workers for name in GENERATED.findall(worker.output())]


def test_a_saved_upload_gets_its_thumbnails_from_the_worker(stack: Stack, workdir: Path) -> None:
    require_module("celery", pip="'restthumbnails[celery]'")
    env = site_env(workdir / "site", stack.redis())
    (workdir / "site").mkdir()
    image = workdir / "kitten.png"
    image.write_bytes(png(640, 480))
    worker = start_worker(stack, "worker", env)

    source = save_photo(env, image)
    assert source.startswith("photos/kitten")
    thumbnails = workdir / "site" / "thumbnails"
    wanted = expected_thumbnails(source)
    poll(
        lambda: thumbnails.is_dir() and set(wanted) <= set(files_under(thumbnails)),
        timeout=90,
        what=f"the worker to write the thumbnails\n{worker.describe()}",
    )
    assert sorted(generated(worker)) == sorted(redact(name) for name in wanted)


def test_a_worker_killed_mid_batch_leaves_it_to_the_next_without_duplicates(
    stack: Stack, workdir: Path
) -> None:
    require_module("celery", pip="'restthumbnails[celery]'")
    env = site_env(workdir / "site", stack.redis())
    (workdir / "site").mkdir()
    image = workdir / "big.png"
    image.write_bytes(png(2400, 1800))  # PNG: no shrink-on-load, each render takes a while
    first = start_worker(stack, "first", env)

    source = save_photo(env, image)
    wanted = expected_thumbnails(source)
    poll(lambda: generated(first), timeout=90, what=f"a first thumbnail\n{first.describe()}")
    # SIGKILL to the worker and its render processes: no warm shutdown, no ack.
    os.killpg(first.pid, signal.SIGKILL)
    first.popen.wait(timeout=30)
    done_by_first = generated(first)
    assert len(done_by_first) < len(wanted), "the batch finished before the kill"

    second = start_worker(stack, "second", env)
    thumbnails = workdir / "site" / "thumbnails"
    poll(
        lambda: set(wanted) <= set(files_under(thumbnails)),
        timeout=120,
        what=f"the second worker to finish the batch\n{second.describe()}",
    )
    everything = generated(first, second)
    expected = {redact(name) for name in wanted}
    # Each exactly once: no thumbnail is logged twice, and the second worker renders none
    # the first had finished. The render process writes the file itself and the worker
    # logs after its answer, so the one thumbnail in flight at the kill may be on disk
    # (checked above) without the dead worker's log line.
    assert len(everything) == len(set(everything))
    assert set(everything) <= expected and len(expected - set(everything)) <= 1
    assert set(generated(second)).isdisjoint(done_by_first)


def test_on_a_bucket_a_saved_upload_and_warm_model_put_thumbnails_in_the_bucket(
    stack: Stack, workdir: Path
) -> None:
    # Input: a site whose STORAGES are S3Storage on a bucket of an S3 API server; a photo
    # saved, then its thumbnails deleted and `thumbnails warm --model`. Answer: each time
    # every preset's thumbnail is an object under thumbs/, with the immutable
    # Cache-Control, and the upload itself is under media/.
    require_module("celery", pip="'restthumbnails[celery]'")
    from ..support.s3server import running_s3_server

    with running_s3_server() as s3:
        bucket = s3.new_bucket()
        env = site_env(workdir / "site", stack.redis())
        env.update(LIFECYCLE_S3_BUCKET=bucket, **s3.environment)
        (workdir / "site").mkdir()
        image = workdir / "kitten.png"
        image.write_bytes(png(640, 480))
        worker = start_worker(stack, "worker", env)

        source = save_photo(env, image)
        assert s3.keys(bucket, "media/") == [f"media/{source}"]
        wanted = [f"thumbs/{name}" for name in expected_thumbnails(source)]
        poll(
            lambda: set(wanted) <= set(s3.keys(bucket, "thumbs/")),
            timeout=120,
            what=f"the worker to put the thumbnails\n{worker.describe()}",
        )
        head = s3.client().head_object(Bucket=bucket, Key=wanted[0])
        assert head["CacheControl"] == "public, max-age=31536000, immutable"

        for key in wanted:
            s3.client().delete_object(Bucket=bucket, Key=key)
        model, presets = "lifecycle_site.Photo.image", ["--preset", "p200", "--preset", "p300"]
        warm = run_in_site(env, "-m", "django", "thumbnails", "warm", "--model", model, *presets)
        assert warm.returncode == 0, warm.stderr
        assert "2 rendered" in warm.stdout, warm.stdout
        warmed = s3.keys(bucket, "thumbs/")
        assert len(warmed) == 2 and {"/200x150/", "/300x225/"} == {
            f"/{key.split('/')[3]}/" for key in warmed
        }
