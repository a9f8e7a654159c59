"""A real S3 API server on loopback (moto's server mode) and what tests need around it.

Tests talk to it over HTTP exactly as a site talks to AWS S3, R2 or MinIO:
through boto3 and django-storages' S3Storage with an `endpoint_url`. Nothing in
boto is patched; `RequestLog` only listens to the requests a client sends.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ACCESS_KEY, SECRET_KEY, REGION = "test-access-key", "test-secret-key", "us-east-1"


def require_s3() -> None:
    for module, pip in (
        ("moto", "'moto[server]'"),
        ("boto3", "boto3"),
        ("storages", "django-storages"),
    ):
        try:
            __import__(module)
        except ImportError:
            from tests.e2e.support import missing

            missing(f"Python module {module} not found: pip install {pip}")


@dataclass
class S3Server:
    endpoint: str

    @property
    def environment(self) -> dict[str, str]:
        """The standard AWS variables a site or `serve` (boto3) reads for this server."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL_S3": self.endpoint,
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def new_bucket(self, *, versioned: bool = False) -> str:
        name = f"bucket-{uuid.uuid4().hex[:12]}"
        client = self.client()
        client.create_bucket(Bucket=name)
        if versioned:
            client.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": "Enabled"}
            )
        return name

    def public_policy(self, bucket: str, prefix: str, *, deny_put: bool = False) -> None:
        """Anyone may GET objects under `prefix`, as a proxy or CDN in front needs
        (docs/deployment.md); `deny_put` also refuses every PutObject there."""
        statements: list[dict[str, Any]] = [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/{prefix}*",
            }
        ]
        if deny_put:
            statements.append({**statements[0], "Effect": "Deny", "Action": "s3:PutObject"})
        policy = {"Version": "2012-10-17", "Statement": statements}
        self.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    def storage_options(self, bucket: str, location: str) -> dict[str, Any]:
        """OPTIONS of an S3Storage STORAGES alias, as a site would write them."""
        return {
            "bucket_name": bucket,
            "location": location,
            "endpoint_url": self.endpoint,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": REGION,
            "querystring_auth": False,
        }

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        answer = self.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
        return sorted(entry["Key"] for entry in answer.get("Contents", ()))

    def versions(self, bucket: str, prefix: str = "") -> list[dict[str, Any]]:
        answer = self.client().list_object_versions(Bucket=bucket, Prefix=prefix)
        return list(answer.get("Versions", ()))


@dataclass
class RequestLog:
    """The HTTP method of every request one boto3 client sends, in order."""

    methods: list[str] = field(default_factory=list)

    def listen(self, client: Any) -> RequestLog:
        client.meta.events.register("before-send.s3", self._sent)
        return self

    def _sent(self, request: Any, **kwargs: Any) -> None:
        self.methods.append(request.method)

    def take(self) -> list[str]:
        taken, self.methods = self.methods, []
        return taken


@contextlib.contextmanager
def running_s3_server() -> Iterator[S3Server]:
    """moto's S3 server on a free loopback port, in a thread of this process.

    A missing test dependency skips (fails under CI=true), like a missing nginx."""
    require_s3()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()
