"""Hit path: nginx serving our stored thumbnails vs our django backend vs a plain static file.

wrk drives the load (a Python client would be the bottleneck at nginx's
rate), cycling through the stored thumbnails with a small Lua script.
The three targets take turns, round after round.
"""

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail

from ..loadgen import fetch
from ..results import SectionResult, Table, Target, median, ratio
from ..servers import Server, nginx_available, start_nginx, start_ours

KEY = "bench-secret-key-not-for-production"
ROUNDS = 3
SECONDS = 3
THREADS, CONNECTIONS = 1, 16
WORKERS = 2
SIZES = ("200x200", "160x160")

LUA = """\
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local index = 0
request = function()
    index = index % #paths + 1
    return wrk.format("GET", paths[index])
end
"""


def _wrk(url: str, paths_file: Path, script: Path) -> dict[str, float]:
    done = subprocess.run(
        [
            "wrk",
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS + 30,
        check=True,
        env={"BENCH_PATHS": str(paths_file), "PATH": "/usr/bin:/bin"},
    )
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    latency = {
        key: _to_ms(value)
        for key, value in re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE)
    }
    return {
        "rate": rate,
        "bad": float(bad.group(1)) if bad else 0.0,
        "p50": latency.get("50", float("nan")),
        "p99": latency.get("99", float("nan")),
    }


def _to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run(media: Path, names: list[str], work: Path, log: Callable[[str], None]) -> SectionResult:
    result = SectionResult()
    if not (nginx_available() and shutil.which("wrk")):
        result.targets.append(
            Target(
                "hit path vs nginx static",
                ">= 0.9x",
                "not measured",
                None,
                "nginx and wrk are needed (apt-get install nginx wrk)",
            )
        )
        return result
    thumbnails, static = work / "hit-thumbnails", work / "hit-static"
    static.mkdir(parents=True, exist_ok=True)
    ours = start_ours(
        media, thumbnails, work / "ours-hit", key=KEY, workers=WORKERS, backend="nginx"
    )
    django = start_ours(
        media, thumbnails, work / "ours-hit-django", key=KEY, workers=WORKERS, backend="django"
    )
    servers: list[Server] = [ours, django]
    try:
        proxy = start_nginx(thumbnails, static, work, backend=ours.port)
        servers.append(proxy)
        paths = []
        for name in names:
            for size in SIZES:
                spec = make_spec(name, size, "crop", "jpg")
                url = signed_thumbnail(spec, key=KEY, base_url=proxy.base + "/").url
                status, _ = fetch(url)  # a miss through nginx: generated, then stored
                if status != 200:
                    raise RuntimeError(f"generating {url} answered {status}")
                paths.append(urlsplit(url).path)
        sizes = sorted((thumbnails / p.lstrip("/")).stat().st_size for p in paths)
        typical = sizes[len(sizes) // 2]
        shutil.copyfile(
            next(
                thumbnails / p.lstrip("/")
                for p in paths
                if (thumbnails / p.lstrip("/")).stat().st_size == typical
            ),
            static / "plain.jpg",
        )
        script = work / "paths.lua"
        script.write_text(LUA)
        thumbs_file = work / "thumb-paths.txt"
        thumbs_file.write_text("\n".join(paths) + "\n")
        static_file = work / "static-paths.txt"
        static_file.write_text("/static/plain.jpg\n")
        targets = {
            "nginx, stored thumbnails (try_files)": (proxy.base, thumbs_file),
            "restthumbnails django backend (no proxy)": (django.base, thumbs_file),
            "nginx, one plain static file": (proxy.base, static_file),
        }
        runs: dict[str, list[dict[str, float]]] = {label: [] for label in targets}
        for base, file in targets.values():  # warm-up: page cache, connections
            _wrk_short(base, file, script)
        for _ in range(ROUNDS):
            for label, (base, file) in targets.items():
                runs[label].append(_wrk(base + "/", file, script))
    finally:
        for server in reversed(servers):
            server.stop()
    baseline = median([r["rate"] for r in runs["nginx, one plain static file"]])
    table = Table(
        f"Hit path: wrk -t{THREADS} -c{CONNECTIONS}, {ROUNDS} alternating rounds of "
        f"{SECONDS} s, {len(paths)} stored thumbnails (median {typical} bytes)",
        ["server", "req/s", "vs nginx static", "p50 ms", "p99 ms", "non-2xx"],
    )
    for label, samples in runs.items():
        table.rows.append(wrk_row(label, samples, baseline))
        log(f"  hit {label}: {median([s['rate'] for s in samples]):,.0f} req/s")
    table.notes.append(
        f"nginx: 1 worker process, sendfile, access log off; django backend: {WORKERS} "
        "gunicorn workers (4 threads each) answering every request itself (ETag, Last-Modified)."
    )
    result.tables.append(table)
    hit = median([r["rate"] for r in runs["nginx, stored thumbnails (try_files)"]])
    result.targets.append(
        Target(
            "hit path (nginx + stored thumbnails) vs nginx static",
            ">= 0.9x",
            f"{hit / baseline:.2f}x",
            hit / baseline >= 0.9,
        )
    )
    return result


def _wrk_short(base: str, file: Path, script: Path) -> None:
    subprocess.run(
        ["wrk", "-t1", "-c4", "-d1s", "-s", str(script), base + "/"],
        capture_output=True,
        timeout=30,
        check=True,
        env={"BENCH_PATHS": str(file), "PATH": "/usr/bin:/bin"},
    )


def wrk_row(label: str, samples: list[dict[str, float]], baseline: float) -> list[str]:
    """A table row from the rounds of _wrk: req/s, its ratio to `baseline`, p50 and
    p99 (medians of the rounds) and the non-2xx answers of all rounds."""
    rate = median([sample["rate"] for sample in samples])
    return [
        label,
        f"{rate:,.0f}",
        ratio(rate, baseline),
        f"{median([sample['p50'] for sample in samples]):.2f}",
        f"{median([sample['p99'] for sample in samples]):.2f}",
        f"{sum(sample['bad'] for sample in samples):.0f}",
    ]
