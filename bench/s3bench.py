"""An S3 API server for the bucket rows: moto's, one Python process on loopback.

Its rates bound every bucket row (moto is no S3): a bucket row says what our
side costs and how many requests it makes, not what S3 itself would give.
"""

import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .servers import HOST, free_port, spawn

AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}
UPLOAD_THREADS = 8


def boto3_missing() -> str | None:
    try:
        import boto3  # noqa: F401
    except ImportError:
        return "the test extra is needed: pip install -e '.[test]'"
    return None


# One werkzeug log line per request moto answers: `"GET /bucket/key HTTP/1.1" 200 -`,
# the part in quotes coloured (ANSI escapes) by status even in a file.
REQUEST_LINE = re.compile(rb'"(?:\x1b\[[\d;]*m)*(GET|HEAD|PUT|POST|DELETE) [^"]*" \d{3}')


@dataclass
class Bucket:
    endpoint: str
    name: str
    log: Path

    def requests(self) -> Counter[str]:
        """How many requests of each method moto has answered so far."""
        return Counter(m[1].decode() for m in REQUEST_LINE.finditer(self.log.read_bytes()))

    @property
    def environment(self) -> dict[str, str]:
        """What `serve`, `warm` and `clean` read their bucket access from, as from AWS."""
        return {**AWS, "AWS_ENDPOINT_URL_S3": self.endpoint}

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"],
            region_name=AWS["AWS_DEFAULT_REGION"],
        )

    def put_many(self, objects: Iterable[tuple[str, bytes]]) -> int:
        """PUT every (key, body) on a few threads; how many were put."""
        client = self.client()  # boto3 clients are thread-safe

        def put(item: tuple[str, bytes]) -> None:
            client.put_object(Bucket=self.name, Key=item[0], Body=item[1])

        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            return sum(1 for _ in pool.map(put, objects))

    def upload_folder(self, folder: Path, prefix: str) -> int:
        files = sorted(path for path in folder.rglob("*") if path.is_file())
        return self.put_many(
            (f"{prefix}/{path.relative_to(folder).as_posix()}", path.read_bytes())
            for path in files
        )

    def public_read(self, prefix: str) -> None:
        """Anyone may GET below `prefix`, as a proxy or CDN in front needs."""
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{self.name}/{prefix}*",
        }
        policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        self.client().put_bucket_policy(Bucket=self.name, Policy=policy)


@contextmanager
def moto_bucket(work: Path, name: str) -> Iterator[Bucket]:
    """moto's S3 server on a free loopback port, with one empty bucket; stopped after."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)]
    server = spawn("moto", command, work / "moto.log", port)
    try:
        bucket = Bucket(f"http://{HOST}:{port}", name, work / "moto.log")
        bucket.client().create_bucket(Bucket=name)
        yield bucket
    finally:
        server.stop()
