"""Cleanup scan rate: `restthumbnails clean --dry-run` over 10,000 thumbnails.

On a local folder and on a bucket of moto's S3 server, against the bare listing
of the same objects measured beside it (`find -type f`; ListObjectsV2 pages
through boto3), which no cleanup can beat: the ratio is what deciding costs on top of
listing. Two criteria: `--unsigned --older-than` (decided from the name and
the listed date, no request per object) and `--orphans` (an existence check
per source: a stat, or on a bucket the listing of the source's folder).
"""

import contextlib
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec

from ..results import SectionResult, Table, median, ratio
from ..s3bench import Bucket, boto3_missing, moto_bucket

ROUNDS = 2
SOURCES = 2000
SIZES = ("64x64", "100x100", "200x200", "320x", "640x")  # 10,000 thumbnails
GONE_EVERY = 10  # every tenth source is deleted: its thumbnails are orphans
KEY = "bench-cleanup-key"
BODY = b"\xff\xd8" + b"\0" * 300  # the scan never reads a thumbnail's bytes
SUMMARY = re.compile(
    r"clean: (\d+) files scanned in [\d.]+ s \(([\d.]+)(k?)/s\); would remove (\d+)"
)


def layout() -> tuple[list[str], list[str]]:
    """(source names that exist, thumbnail names), the thumbnails of every source."""
    sources, thumbnails = [], []
    for index in range(SOURCES):
        source = f"{index // 500:02d}/{index:05d}.jpg"
        if index % GONE_EVERY:
            sources.append(source)
        for size in SIZES:
            spec = make_spec(source, size, "crop", "jpg")
            thumbnails.append(spec.name(sign(spec, key=KEY)))
    return sources, thumbnails


def write_folder(folder: Path, names: list[str]) -> None:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(BODY)


def clean_rate(media: str, thumbnails: str, criteria: list[str], env: dict[str, str]) -> tuple:
    """(objects per second, objects scanned, would remove) from clean's summary line."""
    argv = [sys.executable, "-m", "restthumbnails", "clean", media, "--thumbnails-dir"]
    argv += [thumbnails, "--secret-key", KEY, "--dry-run", "--no-progress", *criteria]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=1200, env=env)
    match = SUMMARY.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"clean {' '.join(criteria)} failed: {done.stdout}{done.stderr}")
    per_second = float(match[2]) * (1000 if match[3] else 1)
    return per_second, int(match[1]), int(match[4])


def local_listing_rate(folder: Path) -> float:
    """`find -type f`: C walking the folder, process start-up included."""
    started = time.perf_counter()
    done = subprocess.run(["find", str(folder), "-type", "f"], capture_output=True, check=True)
    return done.stdout.count(b"\n") / (time.perf_counter() - started)


def bucket_listing_rate(bucket: Bucket, prefix: str) -> float:
    pages = bucket.client().get_paginator("list_objects_v2")
    started = time.perf_counter()
    count = sum(
        len(page.get("Contents", ())) for page in pages.paginate(Bucket=bucket.name, Prefix=prefix)
    )
    return count / (time.perf_counter() - started)


CRITERIA = {
    "unsigned": ["--unsigned", "--older-than", "30"],
    "orphans": ["--orphans"],
}


def run(work: Path, log: Callable[[str], None]) -> SectionResult:
    sources, thumbnails = layout()
    with contextlib.ExitStack() as stack:
        temp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cleanup-")))
        env = {"XDG_CACHE_HOME": str(temp / "cache"), "PATH": "/usr/bin:/bin"}
        write_folder(temp / "media", sources)
        write_folder(temp / "thumbs", thumbnails)
        places: dict[str, tuple[str, str, dict[str, str], Callable[[], float]]] = {
            "local folder": (
                str(temp / "media"),
                str(temp / "thumbs"),
                env,
                lambda: local_listing_rate(temp / "thumbs"),
            ),
        }
        if not boto3_missing():
            bucket = stack.enter_context(moto_bucket(work, "cleanup"))
            started = time.perf_counter()
            bucket.put_many((f"media/{name}", BODY) for name in sources)
            bucket.put_many((f"thumbs/{name}", BODY) for name in thumbnails)
            log(
                f"  cleanup: {len(sources) + len(thumbnails)} objects put in "
                f"{time.perf_counter() - started:.0f} s"
            )
            places["bucket (moto)"] = (
                f"s3://{bucket.name}/media",
                f"s3://{bucket.name}/thumbs",
                {**env, **bucket.environment},
                lambda: bucket_listing_rate(bucket, "thumbs/"),
            )
        samples: dict[tuple[str, str], list[float]] = {}
        scanned: dict[tuple[str, str], tuple[int, int]] = {}
        for _ in range(ROUNDS):
            for place, (media, thumbs, place_env, listing) in places.items():
                samples.setdefault((place, "listing"), []).append(listing())
                for name, criteria in CRITERIA.items():
                    per_second, count, removed = clean_rate(media, thumbs, criteria, place_env)
                    samples.setdefault((place, name), []).append(per_second)
                    scanned[(place, name)] = (count, removed)
    rates = {key: median(values) for key, values in samples.items()}
    table = Table(
        f"Cleanup scan: clean --dry-run over {len(thumbnails):,} thumbnails of {SOURCES:,} "
        f"sources, {SOURCES // GONE_EVERY} of them deleted (median of {ROUNDS} runs)",
        ["where", "what", "objects/s", "vs bare listing", "would remove"],
    )
    labels = {
        "listing": "bare listing (find -type f / ListObjectsV2 pages)",
        "unsigned": "clean --unsigned --older-than 30",
        "orphans": "clean --orphans",
    }
    for place in places:
        for name, label in labels.items():
            rate = rates[(place, name)]
            count, removed = scanned.get((place, name), (len(thumbnails), 0))
            if count != len(thumbnails):
                raise RuntimeError(f"{place} {name}: scanned {count}, not {len(thumbnails)}")
            table.rows.append(
                [
                    place,
                    label,
                    f"{rate:,.0f}",
                    ratio(rate, rates[(place, "listing")]),
                    "" if name == "listing" else f"{removed:,}",
                ]
            )
        log(
            f"  cleanup {place}: "
            + ", ".join(f"{name} {rates[(place, name)]:,.0f}/s" for name in labels)
        )
    table.notes.append(
        "clean's rate is from its own summary line (the walk, parsing and signature checks "
        "included; interpreter start-up not). --orphans checks each source once (its "
        "thumbnails sit side by side in the listing): a stat on disk; on a bucket, one "
        "ListObjectsV2 of the source folder per 1,000 sources. "
        "The bucket is moto's S3 server, one Python process on this machine: its rows are "
        "bounded by moto, not by S3."
    )
    return SectionResult(tables=[table])
