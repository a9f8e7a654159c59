"""Hit path on a bucket vs on a local folder, both through the nginx site that
`restthumbnails nginx-config` prints (with and without `--bucket-url`).

The bucket is moto's S3 server (Python, one process) on loopback: the bucket row
measures nginx proxying to *that* server, a floor for what a real S3 endpoint
behind nginx gives, not S3's own rate. What it proves exactly is the other
column: how many hit requests reached restthumbnails (the backend's request log).
"""

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from restthumbnails.core.spec import make_spec
from restthumbnails.core.urlbuilding import signed_thumbnail
from restthumbnails.server.proxyconfig import nginx_site, render_nginx

from ..loadgen import fetch
from ..results import SectionResult, Table, Target, median
from ..s3bench import Bucket, boto3_missing, moto_bucket
from ..servers import HOST, Server, free_port, nginx_available, spawn, start_ours
from . import hit

KEY = "bench-secret-key-not-for-production"
WORKERS = 2
SIZES = ("200x200", "160x160")
BACKEND_REQUEST = re.compile(r"\] \d{3} \S.*: .* \(\d+ ms\)$", re.MULTILINE)

NGINX_MAIN = """\
{user}
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    include {work}/site.conf;
}}
"""


def _nginx(work: Path, site: str, port: int) -> Server:
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    (work / "site.conf").write_text(site)
    user = "user root;" if os.geteuid() == 0 else ""
    (work / "nginx.conf").write_text(NGINX_MAIN.format(user=user, work=work))
    nginx = shutil.which("nginx") or "nginx"
    command = [nginx, "-c", str(work / "nginx.conf"), "-p", str(work), "-g", "daemon off;"]
    return spawn("nginx", command, work / "nginx.log", port)


@contextmanager
def _aws_environment(bucket: Bucket) -> Iterator[None]:
    """`serve` reads the bucket's endpoint and credentials from these, as from AWS."""
    saved = {name: os.environ.get(name) for name in bucket.environment}
    os.environ.update(bucket.environment)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _not_measured(why: str) -> SectionResult:
    result = SectionResult()
    result.targets.append(
        Target("hits on a bucket reach Python", "0 requests", "not measured", None, why)
    )
    return result


def run(media: Path, names: list[str], work: Path, log: Callable[[str], None]) -> SectionResult:
    if not (nginx_available() and shutil.which("wrk")):
        return _not_measured("nginx and wrk are needed (apt-get install nginx wrk)")
    missing = boto3_missing()
    if missing:
        return _not_measured(missing)
    servers: list[Server] = []
    with contextlib.ExitStack() as stack:
        bucket = stack.enter_context(moto_bucket(work / "bucket", "bench-thumbnails"))
        bucket.public_read("thumbs/")
        bucket.put_many((f"media/{name}", (media / name).read_bytes()) for name in names)
        endpoint = bucket.endpoint
        stack.callback(lambda: [server.stop() for server in reversed(servers)])
        with _aws_environment(bucket):
            on_bucket = start_ours(
                f"s3://{bucket.name}/media",
                f"s3://{bucket.name}/thumbs",
                work / "bucket" / "ours",
                key=KEY,
                workers=WORKERS,
                backend="nginx",
            )
        servers.append(on_bucket)
        local_thumbnails = work / "bucket-local-thumbnails"
        on_disk = start_ours(
            media,
            local_thumbnails,
            work / "bucket-local-ours",
            key=KEY,
            workers=WORKERS,
            backend="nginx",
        )
        servers.append(on_disk)
        proxies = {}
        for label, backend, options in (
            (
                "nginx + bucket (proxy_pass)",
                on_bucket,
                {"bucket_url": f"{endpoint}/{bucket.name}/thumbs"},
            ),
            (
                "nginx + local folder (try_files)",
                on_disk,
                {"thumbnails_dir": str(local_thumbnails)},
            ),
        ):
            port = free_port()
            site = render_nginx(
                nginx_site(backends=[f"{HOST}:{backend.port}"], listen=f"{HOST}:{port}", **options)
            )
            proxy = _nginx(work / f"bucket-nginx-{port}", site, port)
            servers.append(proxy)
            proxies[label] = (proxy, backend)

        script = work / "bucket-paths.lua"
        script.write_text(hit.LUA)
        targets: dict[str, tuple[str, Path]] = {}
        for label, (proxy, _) in proxies.items():
            paths = []
            for name in names:
                for size in SIZES:
                    spec = make_spec(name, size, "crop", "jpg")
                    url = signed_thumbnail(spec, key=KEY, base_url=proxy.base + "/").url
                    status, _ = fetch(url)  # the miss: rendered, stored, sent
                    if status != 200:
                        raise RuntimeError(f"{label}: generating {url} answered {status}")
                    paths.append(urlsplit(url).path)
            file = work / f"bucket-paths-{proxy.port}.txt"
            file.write_text("\n".join(paths) + "\n")
            targets[label] = (proxy.base, file)

        before = {label: _backend_requests(backend) for label, (_, backend) in proxies.items()}
        runs: dict[str, list[dict[str, float]]] = {label: [] for label in targets}
        for base, file in targets.values():
            hit._wrk_short(base, file, script)
        for _ in range(hit.ROUNDS):
            for label, (base, file) in targets.items():
                runs[label].append(hit._wrk(base + "/", file, script))
        reached = {
            label: _backend_requests(backend) - before[label]
            for label, (_, backend) in proxies.items()
        }

    local_label = "nginx + local folder (try_files)"
    baseline = median([r["rate"] for r in runs[local_label]])
    table = Table(
        f"Hit path on a bucket: wrk -t{hit.THREADS} -c{hit.CONNECTIONS}, "
        f"{hit.ROUNDS} alternating rounds of {hit.SECONDS} s, "
        f"{len(names) * len(SIZES)} thumbnails",
        [
            "nginx site",
            "req/s",
            "vs local folder",
            "p50 ms",
            "p99 ms",
            "non-2xx",
            "reached Python",
        ],
    )
    for label, samples in runs.items():
        rate = median([s["rate"] for s in samples])
        table.rows.append([*hit.wrk_row(label, samples, baseline), str(reached[label])])
        log(f"  bucket {label}: {rate:,.0f} req/s, {reached[label]} reached the backend")
    table.notes.append(
        "The bucket is moto's S3 server (one Python process) on loopback, so the bucket row is "
        "bounded by moto, not by nginx or S3; 'reached Python' counts the backend's request "
        "log lines during the runs."
    )
    result = SectionResult()
    result.tables.append(table)
    total = sum(reached.values())
    result.targets.append(
        Target("hits on a bucket reach Python", "0 requests", str(total), total == 0)
    )
    return result


def _backend_requests(server: Server) -> int:
    return len(BACKEND_REQUEST.findall(server.log.read_text(errors="replace")))
