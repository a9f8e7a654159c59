"""A bounded load run through nginx with wrk: existing thumbnails and new ones, mixed 95/5.

    .venv/bin/python -m bench.load_nginx [--seconds 30] [--no-write]

Starts `restthumbnails serve --response-backend nginx` and nginx (the site that
`restthumbnails nginx-config` prints) on 127.0.0.1 free ports in a temp folder,
renders a set of thumbnails once, then runs Debian's wrk with 2 connections per
core in three parts sharing the time budget: existing thumbnails only, new ones
only, and the 95/5 mix. Every new-thumbnail request asks for a URL nobody asked
for before, so each one is a real render. Writes the figures into
docs/benchmarks.md between `<!-- load:start -->` and `<!-- load:end -->` and
leaves the rest of that file alone. A benchmark, not a test: nothing here passes
or fails on a number, but any non-2xx answer other than 404-while-locked is an
error and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail
from restthumbnails.server.proxyconfig import nginx_site, render_nginx

from .servers import HOST, Server, free_port, spawn, start_ours

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- load:start -->", "<!-- load:end -->"
KEY = "load-benchmark-key-not-secret"
SOURCES = ("landscape.jpg", "portrait.jpg", "night.webp", "square-alpha.png", "badge.gif")
HIT_SIZES = ("120x", "200x200", "320x", "x160", "640x", "96x96")
MISS_RATIO = 0.05

WRK_SCRIPT = """
local hits = {%(hits)s}
local misses = {%(misses)s}
local thread_count = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

function init(args)
  mode, offset, stride = args[1], tonumber(args[2]), tonumber(args[3])
  math.randomseed(1000 + id)
  taken, statuses, hit_count, miss_count = 0, {}, 0, 0
end

function request()
  if mode == "hits" or (mode == "mix" and math.random() >= %(miss_ratio)s) then
    hit_count = hit_count + 1
    return wrk.format("GET", hits[math.random(#hits)])
  end
  -- Each thread walks its own stride of the pool: a new URL every time.
  local index = offset + taken * stride + id + 1
  taken = taken + 1
  miss_count = miss_count + 1
  return wrk.format("GET", misses[index])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts, hits_sent, misses_sent = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[tostring(status)] = (counts[tostring(status)] or 0) + n
    end
    hits_sent = hits_sent + thread:get("hit_count")
    misses_sent = misses_sent + thread:get("miss_count")
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%%s": %%d', status, n)) end
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%.1f, "p99_us": %%.1f, ' ..
    '"socket_errors": %%d, "hits_sent": %%d, "misses_sent": %%d, "statuses": {%%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    hits_sent, misses_sent, table.concat(parts, ", ")))
end
"""


@dataclass
class Run:
    label: str
    mix: str
    result: dict

    @property
    def rate(self) -> float:
        return self.result["requests"] / (self.result["duration_us"] / 1e6)

    @property
    def bad(self) -> int:
        """Answers that are neither 2xx nor the documented 404-while-locked."""
        statuses = self.result["statuses"]
        return sum(n for s, n in statuses.items() if not s.startswith("2") and s != "404")


def url_path(source: str, size: str, method: str, ext: str) -> str:
    return signed_thumbnail(make_spec(source, size, method, ext), key=KEY, base_url="/").url


def lua_list(paths: list[str]) -> str:
    return ",\n".join(json.dumps(path) for path in paths)


def wrk(binary: str, url: str, script: Path, seconds: int, args: list[str]) -> dict:
    cores = os.cpu_count() or 1
    argv = [binary, f"-t{cores}", f"-c{2 * cores}", f"-d{seconds}s", "--timeout", "10s"]
    argv += ["-s", str(script), url, "--", *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    match = re.search(r"^RESULT (\{.*\})$", done.stdout, re.MULTILINE)
    if match is None:
        raise SystemExit(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    return json.loads(match.group(1))


def render_section(runs: list[Run], command: str, versions: str) -> str:
    lines = [
        START,
        "## Load through nginx (wrk)",
        "",
        f"Reproduce: `{command}` (about a minute, most of it the wrk runs).",
        "",
        f"{versions}. `restthumbnails serve --response-backend nginx` with its default "
        f"workers behind the site `restthumbnails nginx-config` prints; wrk "
        f"with {os.cpu_count()} threads and {2 * (os.cpu_count() or 1)} connections "
        "(2 per core) on the same machine, so client and servers share the cores. "
        '"Existing" thumbnails were rendered before the run; every "new" request asks '
        "for a URL never asked before (a real render of a 1-3 MP sample image).",
        "",
        "| run | requests | req/s | p50 ms | p99 ms | other non-2xx | 404 while locked | "
        "socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        statuses = run.result["statuses"]
        locked = statuses.get("404", 0)
        lines.append(
            f"| {run.label} ({run.mix}) | {run.result['requests']:,} | {run.rate:,.0f} | "
            f"{run.result['p50_us'] / 1000:.2f} | {run.result['p99_us'] / 1000:.2f} | "
            f"{run.bad} | {locked} | {run.result['socket_errors']} |"
        )
    lines += [
        "",
        "The mixed run's latency percentiles cover both kinds of request together; "
        "the first two rows give each kind alone.",
        END,
    ]
    return "\n".join(lines)


def write_section(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


def versions(nginx: str, wrk_binary: str) -> str:
    nginx_v = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
    wrk_v = subprocess.run([wrk_binary, "-v"], capture_output=True, text=True).stdout
    return (
        f"{os.cpu_count()} cores, {nginx_v.replace('nginx version: ', '')}, "
        f"wrk {wrk_v.split()[1] if wrk_v else '?'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30, help="total wrk time, at most 30")
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the doc")
    args = parser.parse_args(argv)
    seconds = max(6, min(args.seconds, 30))
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    wrk_binary = shutil.which("wrk")
    if not nginx or not wrk_binary:
        raise SystemExit("needs the Debian packages nginx and wrk")

    work = Path(tempfile.mkdtemp(prefix="restthumbnails-load-"))
    work.chmod(0o755)
    servers: list[Server] = []
    try:
        media = work / "media"
        shutil.copytree(ROOT / "examples" / "media", media)
        thumbnails = work / "thumbnails"
        thumbnails.mkdir(mode=0o755)
        for path in [media, *media.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        backend = start_ours(
            media, thumbnails, work, key=KEY, workers=os.cpu_count() or 1, backend="nginx"
        )
        servers.append(backend)
        backend_port, nginx_port = backend.port, free_port()
        site = render_nginx(
            nginx_site(
                thumbnails_dir=str(thumbnails),
                backends=[f"{HOST}:{backend_port}"],
                listen=f"{HOST}:{nginx_port}",
            )
        )
        (work / "site.conf").write_text(site)
        temp = "".join(
            f"  {k}_temp_path {work}/{k}_temp;\n"
            for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (work / "nginx.conf").write_text(
            f"daemon off;\nworker_processes auto;\npid {work}/nginx.pid;\n"
            f"error_log {work}/nginx-error.log warn;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n  access_log off;\n  sendfile on;\n{temp}  include {work}/site.conf;\n}}\n"
        )
        servers.append(
            spawn(
                "nginx",
                [
                    nginx,
                    "-p",
                    f"{work}/",
                    "-e",
                    f"{work}/nginx-error.log",
                    "-c",
                    f"{work}/nginx.conf",
                ],
                work / "nginx.log",
                nginx_port,
            )
        )
        base = f"http://{HOST}:{nginx_port}"

        hits = [
            url_path(s, size, "crop" if "x" in size[1:-1] else "scale", "jpg")
            for s in SOURCES
            for size in HIT_SIZES
        ]
        for path in hits:  # render them once, before any timing
            with urllib.request.urlopen(base + path, timeout=60) as answer:  # noqa: S310 (loopback)
                assert answer.status == 200
        misses = [
            url_path(s, f"{w}x", m, "jpg")
            for w in range(24, 1024)
            for s in SOURCES
            for m in ("scale", "crop")
        ]
        script = work / "load.lua"
        script.write_text(
            WRK_SCRIPT
            % {
                "hits": lua_list(hits),
                "misses": lua_list(misses),
                "miss_ratio": MISS_RATIO,
            }
        )
        cores = str(os.cpu_count() or 1)
        half = len(misses) // 2
        part = max(2, seconds // 6)
        plan = [
            ("existing thumbnails only", "100% existing", part, ["hits", "0", cores]),
            ("new thumbnails only", "100% new", part, ["misses", "0", cores]),
            ("mixed", "95% existing, 5% new", seconds - 2 * part, ["mix", str(half), cores]),
        ]
        runs = []
        for label, mix, duration, wrk_args in plan:
            result = wrk(wrk_binary, base + "/", script, duration, wrk_args)
            runs.append(Run(label, mix, result))
            print(
                f"{label}: {result['requests']} requests, {runs[-1].rate:,.0f} req/s, "
                f"p50 {result['p50_us'] / 1000:.2f} ms, p99 {result['p99_us'] / 1000:.2f} ms, "
                f"statuses {result['statuses']}, socket errors {result['socket_errors']}"
            )
        command = ".venv/bin/python -m bench.load_nginx" + (
            f" --seconds {args.seconds}" if args.seconds != 30 else ""
        )
        section = render_section(runs, command, versions(nginx, wrk_binary))
        if args.no_write:
            print(section)
        else:
            write_section(section)
            print(f"wrote {DOC.relative_to(ROOT)}")
        return 1 if any(run.bad or run.result["socket_errors"] for run in runs) else 0
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
