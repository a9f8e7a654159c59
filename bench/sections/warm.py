"""Warm throughput: 200 sources x 3 sizes on local disk, and bucket to bucket.

`restthumbnails warm` with --workers 1 and 2 (as a user runs it), against one
process running our engine in a loop (the ceiling for one core), and against
sorl-thumbnail's and easy-thumbnails' Python APIs generating the same set.
The bucket row warms the same sources from moto's S3 server into it. Every
run starts from an empty thumbnail folder or prefix.
"""

import contextlib
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ..images import photo
from ..peers import Peer
from ..results import SectionResult, Table, Target, median, ratio, run_json_script
from ..s3bench import Bucket, boto3_missing, moto_bucket

ROUNDS = 3
SOURCES = 200
SOURCE_SIZE = (1024, 768)
SIZES = ("64x64", "200x200", "400x400")
DRIVER = Path(__file__).resolve().parent / "scripts" / "warm_peer_driver.py"
KEY = "bench-warm-key"
SUMMARY = re.compile(r"warm: (\d+) thumbnails in ([\d.]+) s .*?(\d+) rendered")


def write_sources(folder: Path) -> Path:
    media = folder / "warm-media"
    for index in range(SOURCES):
        path = media / f"{index // 50:02d}" / f"{index:03d}.jpg"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            photo(SOURCE_SIZE, 5000 + index).save(path, "JPEG", quality=90)
    return media


def ours(media: Path | str, workers: int, bucket: Bucket | None = None) -> float:
    """Thumbnails per second of `restthumbnails warm`, from its own summary line.

    With `bucket`, `media` is an s3:// location and the thumbnails go to a new
    prefix of that bucket."""
    with tempfile.TemporaryDirectory(prefix="warm-") as temp:
        thumbnails = f"{temp}/thumbs"
        env = {"XDG_CACHE_HOME": temp, "PATH": "/usr/bin:/bin"}
        if bucket is not None:
            thumbnails = f"s3://{bucket.name}/thumbs-{Path(temp).name}"
            env.update(bucket.environment)
        argv = [sys.executable, "-m", "restthumbnails", "warm", str(media)]
        argv += ["--thumbnails-dir", thumbnails, "--secret-key", KEY, "--no-progress"]
        argv += ["--workers", str(workers), "--method", "crop", "--ext", "jpg"]
        for size in SIZES:
            argv += ["--size", size]
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=1200, check=False, env=env
        )
        match = SUMMARY.search(done.stdout)
        if done.returncode != 0 or match is None or int(match[3]) != SOURCES * len(SIZES):
            raise RuntimeError(f"warm --workers {workers} failed: {done.stdout}{done.stderr}")
        return int(match[1]) / float(match[2])


def engine_loop(media: Path) -> float:
    """One process, our engine called in a loop: no lock, no pool, no storage."""
    from restthumbnails.core.spec import make_spec
    from restthumbnails.render.engine import render
    from restthumbnails.render.options import EngineOptions

    names = sorted(p.relative_to(media).as_posix() for p in media.rglob("*.jpg"))
    options = EngineOptions()
    with tempfile.TemporaryDirectory(prefix="warm-engine-") as temp:
        started = time.perf_counter()
        for index, name in enumerate(names):
            data = (media / name).read_bytes()
            for size in SIZES:
                thumbnail = render(data, make_spec(name, size, "crop", "jpg"), options)
                Path(temp, f"{index}-{size}.jpg").write_bytes(thumbnail)
        seconds = time.perf_counter() - started
    return len(names) * len(SIZES) / seconds


def peer(python: Path, lib: str, media: Path) -> float:
    with tempfile.TemporaryDirectory(prefix=f"warm-{lib}-") as temp:
        copy = Path(temp) / "media"
        subprocess.run(["cp", "-r", str(media), str(copy)], check=True)
        result = run_json_script(
            [str(python), str(DRIVER), lib, str(copy), *SIZES],
            what=f"warm with {lib}",
            timeout=1200,
        )
    return result["thumbnails"] / result["seconds"]


def run(peers: dict[str, Peer], work: Path, log: Callable[[str], None]) -> SectionResult:
    media = write_sources(work)
    with contextlib.ExitStack() as stack:
        bucket = None if boto3_missing() else stack.enter_context(moto_bucket(work, "warm"))
        if bucket is not None:
            bucket.upload_folder(media, "media")
        runs: dict[str, list[float]] = {}
        measures: dict[str, Callable[[], float]] = {
            "w1": lambda: ours(media, 1),
            "w2": lambda: ours(media, 2),
            "engine": lambda: engine_loop(media),
            "sorl": lambda: peer(peers["sorl"].python, "sorl", media),
            "easy": lambda: peer(peers["easy"].python, "easy", media),
        }
        if bucket is not None:
            measures["s3"] = lambda: ours(f"s3://{bucket.name}/media", 2, bucket)
        requests: Counter[str] = Counter()
        for _ in range(ROUNDS):  # alternate, so a noisy neighbour spreads over every row
            for key, measure in measures.items():
                before = bucket.requests() if key == "s3" and bucket else Counter()
                runs.setdefault(key, []).append(measure())
                if key == "s3" and bucket:
                    requests = bucket.requests() - before
    rates = {key: median(values) for key, values in runs.items()}
    log("  warm: " + json.dumps({key: round(value, 1) for key, value in rates.items()}))
    if requests:
        log("  warm on a bucket" + _per_thumbnail(requests))
    labels = {
        "w1": "restthumbnails warm --workers 1",
        "w2": "restthumbnails warm --workers 2",
        "s3": "restthumbnails warm --workers 2, bucket to bucket (moto S3 server)",
        "engine": "our engine in a loop, 1 process (no lock, pool or storage)",
        "sorl": "sorl-thumbnail 13.4 get_thumbnail(), 1 process",
        "easy": "easy-thumbnails 2.10 get_thumbnail(), 1 process",
    }
    table = Table(
        f"Warm: {SOURCES} JPEGs of {SOURCE_SIZE[0]}x{SOURCE_SIZE[1]} x {len(SIZES)} crops "
        f"({', '.join(SIZES)}) to JPEG on local disk (median of {ROUNDS} runs)",
        ["who", "thumbnails/s", "vs engine loop", "vs --workers 1"],
    )
    for key, label in labels.items():
        if key not in rates:
            continue
        table.rows.append(
            [
                label,
                f"{rates[key]:.1f}",
                ratio(rates[key], rates["engine"]),
                ratio(rates[key], rates["w1"]),
            ]
        )
    table.notes.append(
        "warm's rate is from its own summary line (the listing, locks, existence checks, "
        "render pool round trips and atomic writes included; interpreter start-up not)."
    )
    table.notes.append(
        "The bucket row reads each source with a HEAD and a GET and writes each thumbnail "
        "with a PUT, to moto's S3 server (one Python process on this machine, sharing "
        "its 2 cores), which bounds it"
        + (_per_thumbnail(requests) if "s3" in rates else ": not measured (no boto3 or moto).")
    )
    speedup = rates["w2"] / rates["w1"]
    return SectionResult(
        tables=[table],
        targets=[
            Target(
                "warm --workers 2 vs --workers 1 (2 cores)",
                ">= 1.8x",
                f"{speedup:.2f}x",
                speedup >= 1.8,
            ),
            Target(
                "warm --workers 1 vs sorl-thumbnail and easy-thumbnails",
                "ahead of both",
                f"{rates['w1'] / rates['sorl']:.2f}x sorl, "
                f"{rates['w1'] / rates['easy']:.2f}x easy",
                rates["w1"] > rates["sorl"] and rates["w1"] > rates["easy"],
            ),
        ],
    )


def _per_thumbnail(requests: Counter[str]) -> str:
    thumbnails = SOURCES * len(SIZES)
    methods = ", ".join(f"{n / thumbnails:.1f} {method}" for method, n in requests.most_common())
    total = requests.total() / thumbnails
    return f": {total:.1f} requests per thumbnail ({methods}), listing included."
