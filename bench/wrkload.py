"""Distinct-URL load with Debian's wrk (one thread, a Lua list of paths), or Python threads.

wrk costs far less CPU per request than the threaded generator in loadgen.py,
which matters when the load generator shares the cores with the server. Each
path in the list is requested at most once; if wrk runs out of paths before its
time is up, the extra requests are counted as errors rather than served twice.
"""

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .loadgen import run_load
from .results import percentile

SCRIPT = """
-- request() and response() run in each wrk thread's own Lua state, done() in
-- the main one: the counts are read back through the thread objects.
local paths = {%(paths)s}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  taken, ok, exhausted = 0, 0, 0
end

function request()
  taken = taken + 1
  if taken > #paths then
    exhausted = exhausted + 1
    return wrk.format("GET", paths[#paths])
  end
  return wrk.format("GET", paths[taken])
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 end
end

function done(summary, latency, requests)
  local ok_total, exhausted_total = 0, 0
  for _, thread in ipairs(threads) do
    ok_total = ok_total + thread:get("ok")
    exhausted_total = exhausted_total + thread:get("exhausted")
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests": %%d, "ok": %%d, "duration_us": %%d, "p50_us": %%.1f, ' ..
    '"p99_us": %%.1f, "errors": %%d, "exhausted": %%d}\\n',
    summary.requests, ok_total, summary.duration, latency:percentile(50),
    latency:percentile(99), errors, exhausted_total))
end
"""


@dataclass
class Load:
    rate: float  # answered 200 per second
    p50_ms: float
    p99_ms: float
    errors: int  # non-200, socket errors, paths run out
    answered: int = 0  # distinct paths answered 200


def wrk_binary() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    binary: str, base: str, paths: list[str], *, seconds: float, connections: int, work: Path
) -> Load:
    """wrk -t1 -c`connections` over `paths` (each once), for `seconds`."""
    script = work / f"distinct-{connections}.lua"
    script.write_text(SCRIPT % {"paths": ",\n".join(json.dumps(path) for path in paths)})
    argv = [binary, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    argv += ["--timeout", "30s", "-s", str(script), base + "/"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 90, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"wrk exited with status {done.returncode} against {base}:\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    match = re.search(r"^RESULT (\{.*\})$", done.stdout, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(match.group(1))
    duration = result["duration_us"] / 1e6
    distinct = max(0, result["ok"] - result["exhausted"])
    return Load(
        rate=distinct / duration if duration else 0.0,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        errors=result["requests"] - result["ok"] + result["exhausted"] + result["errors"],
        answered=distinct,
    )


def run_python(urls: Iterator[str], *, seconds: float, connections: int) -> Load:
    """The same load with loadgen.py's threads, when wrk is not installed."""
    load = run_load(urls, seconds=seconds, concurrency=connections)
    return Load(
        rate=load.rate,
        p50_ms=percentile(load.latencies_ms, 0.5),
        p99_ms=percentile(load.latencies_ms, 0.99),
        errors=load.errors,
        answered=len(load.latencies_ms),
    )
