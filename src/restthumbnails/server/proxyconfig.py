"""`restthumbnails nginx-config`: an nginx site for the thumbnails folder of `serve`.

nginx sends every thumbnail that exists straight from disk (`try_files`); a miss
goes to the backend, which writes the file and answers `X-Accel-Redirect` to
the same URI, so nginx sends that file too. Only the first request for a
thumbnail ever reaches Python. `examples/nginx.conf` is this output with the
defaults, and a test keeps the two equal.

`THUMBNAIL_PATH` is the one regex every shipped proxy configuration uses to
decide what may be sent from disk; tests check that each example carries it.
"""

import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..core.formats import IMMUTABLE

DEFAULT_THUMBNAILS_DIR = "/srv/thumbnails"
DEFAULT_BACKEND = "127.0.0.1:8000"
DEFAULT_LISTEN = "80"
DEFAULT_SERVER_NAME = "_"
# Only the formats restthumbnails writes; a location-level `types` block makes
# the Content-Type independent of the distribution's mime.types (AVIF, WebP).
CONTENT_TYPES = (
    ("image/jpeg", "jpg jpeg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
    ("image/gif", "gif"),
    ("image/avif", "avif"),
)

# The shape of a thumbnail URL's path (decoded): source segments, WxH | Wx | xH,
# a method, 64 lowercase hex digits and an extension we write. Only such paths
# are ever sent from the thumbnail folder; anything else there (lock or key
# files, `.health/`, `.<random>.tmp` files being written) never matches. The
# method is any lowercase word with digits and dashes, so methods added later
# (`faces`, `focus-30-70`) need no new proxy configuration: the backend still
# answers 400 for one it cannot render, and nothing is on disk for it.
THUMBNAIL_PATH = (
    r"^/(?:[^/]+/)+(?:[1-9][0-9]*x[1-9][0-9]*|[1-9][0-9]*x|x[1-9][0-9]*)"
    r"/[a-z0-9-]+/[0-9a-f]{64}\.(?:jpg|jpeg|png|webp|gif|avif)$"
)
# Prometheus metrics and the health check, below the mount point of `serve`.
METRICS_PATH = "/_metrics"
HEALTH_PATH = "/_health"

# Characters that would end a quoted nginx string, start a variable or a block.
_UNSAFE_PATH = re.compile(r'["\\$;{}\x00-\x1f\x7f]')
_BACKEND = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):[0-9]{1,5}")
_LISTEN = re.compile(r"(?:(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):)?[0-9]{1,5}")
_SERVER_NAME = re.compile(r"[A-Za-z0-9_*~.^-][A-Za-z0-9_*.-]*")
_BUCKET_HOST = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?")
# Unreserved URL characters and slashes: safe unquoted in an nginx `rewrite`.
_BUCKET_PATH = re.compile(r"(?:/[A-Za-z0-9._~-]+)*")
# Headers S3 adds that a client has no use for (they name the bucket's internals).
S3_HEADERS_HIDDEN = (
    "x-amz-id-2",
    "x-amz-request-id",
    "x-amz-version-id",
    "x-amz-server-side-encryption",
    "x-amz-expiration",
    "Set-Cookie",
)


class ConfigError(ValueError):
    """An option value that cannot be written into an nginx configuration."""


@dataclass(frozen=True)
class Bucket:
    """Where thumbnails are read from when they live in a bucket: scheme, host, key prefix."""

    scheme: str
    host: str
    path: str

    @property
    def address(self) -> str:
        """HOST:PORT for the nginx upstream."""
        if ":" in self.host:
            return self.host
        return f"{self.host}:{443 if self.scheme == 'https' else 80}"


@dataclass(frozen=True)
class NginxSite:
    thumbnails_dir: str
    backends: tuple[str, ...]
    listen: str
    server_names: tuple[str, ...]
    bucket: Bucket | None = None


# Both sites: /_metrics answers this host only.
_METRICS_LOCATION = f"""\
    # Prometheus metrics: from this host only. To let a scraper in, add
    # `allow ADDRESS;` before `deny all;`.
    location = {METRICS_PATH} {{
        allow 127.0.0.1;
        allow ::1;
        deny all;
        proxy_pass http://restthumbnails_backend;
    }}
"""

# What both the folder site and the bucket site say about talking to the backend.
_BACKEND_DEFAULTS = """\
    # nginx reads whole requests before passing them on, so a client sending its
    # headers a byte at a time holds a connection here, never a backend thread;
    # it is dropped after this long.
    client_header_timeout 10s;

    # For every location that passes a request to the backend.
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    # A cold thumbnail of a large source can take seconds to render.
    proxy_read_timeout 60s;
    # Errors (400, 401, 404 while locked, 422, 503) pass through unchanged,
    # with their Cache-Control: no-store.
    proxy_intercept_errors off;
"""

# Set before any location is chosen (again after each internal redirect), so it
# holds for every request, one refused by `limit_except` included.
_KEEP_PATH = """\
    # The request's path (decoded, normalised): what a miss passes to the
    # backend, whatever a location does to $uri afterwards.
    set $restthumbnails_path $uri;
"""

# A thumbnail that is not there yet: the backend renders what the path names,
# and gets nothing else of the client's to act on.
_MISS_TO_BACKEND = """\
        # Only the thumbnail's path reaches the backend: the final "?" drops the
        # query string (nginx escapes the path again), and no header or body of
        # the client's is passed on, only the four set here (which replace the
        # server's proxy_set_header lines in this location).
        rewrite ^ $restthumbnails_path? break;
        proxy_pass http://restthumbnails_backend;
        proxy_pass_request_headers off;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
"""


def nginx_site(
    *,
    thumbnails_dir: str = DEFAULT_THUMBNAILS_DIR,
    backends: Sequence[str] = (DEFAULT_BACKEND,),
    listen: str = DEFAULT_LISTEN,
    server_name: str = DEFAULT_SERVER_NAME,
    bucket_url: str | None = None,
) -> NginxSite:
    """Validate the options; raise ConfigError naming the bad one."""
    folder = PurePosixPath(thumbnails_dir)
    if not folder.is_absolute():
        raise ConfigError("--thumbnails-dir must be an absolute path")
    if _UNSAFE_PATH.search(thumbnails_dir):
        raise ConfigError("--thumbnails-dir must not contain quotes, \\, $, ;, { or }")
    if not backends:
        raise ConfigError("--backend needs at least one HOST:PORT")
    for backend in backends:
        if not _BACKEND.fullmatch(backend) or not _port_ok(backend):
            raise ConfigError(f"--backend must be HOST:PORT, not {backend!r}")
    if not _LISTEN.fullmatch(listen) or not _port_ok(listen):
        raise ConfigError(f"--listen must be PORT or ADDRESS:PORT, not {listen!r}")
    names = tuple(server_name.split())
    if not names or not all(_SERVER_NAME.fullmatch(name) for name in names):
        raise ConfigError(f"--server-name must be host names, not {server_name!r}")
    return NginxSite(
        thumbnails_dir=str(folder),
        backends=tuple(backends),
        listen=listen,
        server_names=names,
        bucket=None if bucket_url is None else parse_bucket_url(bucket_url),
    )


def parse_bucket_url(url: str) -> Bucket:
    """`http(s)://HOST[:PORT][/PATH]`: the URL of the thumbnails' root in the bucket.

    Path-style (`https://s3.REGION.amazonaws.com/BUCKET/thumbs`, MinIO) or
    virtual-host style (`https://BUCKET.s3.REGION.amazonaws.com/thumbs`).
    """
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    if (
        parts.scheme not in ("http", "https")
        or not _BUCKET_HOST.fullmatch(parts.netloc)
        or not _BUCKET_PATH.fullmatch(path)
        or parts.query
        or parts.fragment
        or (":" in parts.netloc and not _port_ok(parts.netloc))
    ):
        raise ConfigError(
            "--bucket-url must be http(s)://HOST[:PORT][/PATH] with a plain path "
            f"(letters, digits, . _ ~ -), not {url!r}"
        )
    return Bucket(scheme=parts.scheme, host=parts.netloc, path=path)


def _port_ok(address: str) -> bool:
    return 1 <= int(address.rsplit(":", 1)[-1]) <= 65535


def render_nginx(site: NginxSite) -> str:
    """The nginx site (a file for /etc/nginx/conf.d/, inside `http { }`)."""
    if site.bucket is not None:
        return render_nginx_bucket(site, site.bucket)
    servers = "".join(f"    server {backend};\n" for backend in site.backends)
    types = "".join(f"            {kind} {exts};\n" for kind, exts in CONTENT_TYPES)
    return f"""\
# restthumbnails behind nginx, made by `restthumbnails nginx-config`.
# Install as /etc/nginx/conf.d/restthumbnails.conf (it goes inside `http {{ }}`), and run
#   restthumbnails serve MEDIA_DIR --thumbnails-dir {site.thumbnails_dir} \\
#       --response-backend nginx --base-url http://YOUR-HOST/
# A thumbnail on disk is sent by nginx; only a miss reaches Python, which writes
# the file and answers `X-Accel-Redirect: <the same URI>`, so nginx sends it too.

upstream restthumbnails_backend {{
{servers}    keepalive 16;
}}

server {{
    listen {site.listen};
    server_name {" ".join(site.server_names)};

    # The folder given to `restthumbnails serve --thumbnails-dir`.
    root "{site.thumbnails_dir}";

{_BACKEND_DEFAULTS}
{_KEEP_PATH}
    # Only a path of a thumbnail's shape is ever looked up on disk: nothing else
    # in the folder (lock or key files, .health/, ".<random>.tmp" files being
    # written) can be sent. $uri is decoded, as the file names are:
    # "a%20b.jpg" finds "a b.jpg".
    location ~ "{THUMBNAIL_PATH}" {{
        try_files $uri @restthumbnails;
        types {{
{types}        }}
        default_type application/octet-stream;
        # Only successful answers from disk: a thumbnail URL never changes content.
        add_header Cache-Control "{IMMUTABLE}";
        sendfile on;
        tcp_nopush on;
        # Keep descriptors of hot thumbnails open: a hit then costs no open() and
        # no stat() of a long path (the hit path against a plain static file:
        # docs/benchmarks.md). Misses are never cached (errors off), so a
        # thumbnail written a moment ago is found at once.
        open_file_cache max=10000 inactive=60s;
        open_file_cache_valid 60s;
        open_file_cache_errors off;
    }}

{_METRICS_LOCATION}
    # Everything else, {HEALTH_PATH} included, is answered by the backend every
    # time: never a file from disk, never cached.
    location / {{
        proxy_pass http://restthumbnails_backend;
    }}

    # A thumbnail not on disk yet (try_files above). The backend's
    # X-Accel-Redirect restarts the request at the thumbnail location.
    location @restthumbnails {{
{_MISS_TO_BACKEND}    }}
}}
"""


def render_nginx_bucket(site: NginxSite, bucket: Bucket) -> str:
    """The nginx site for thumbnails in a bucket: the bucket first, the backend on a miss."""
    servers = "".join(f"    server {backend};\n" for backend in site.backends)
    hidden = "".join(f"        proxy_hide_header {name};\n" for name in S3_HEADERS_HIDDEN)
    tls_name = bucket.host.split(":")[0]
    tls = (
        f'        proxy_ssl_server_name on;\n        proxy_ssl_name "{tls_name}";\n'
        if bucket.scheme == "https"
        else ""
    )
    root_url = f"{bucket.scheme}://{bucket.host}{bucket.path}/"
    return f"""\
# restthumbnails in front of a bucket, made by `restthumbnails nginx-config --bucket-url`.
# Install as /etc/nginx/conf.d/restthumbnails.conf (it goes inside `http {{ }}`), and run
#   restthumbnails serve s3://BUCKET/MEDIA --thumbnails-dir s3://BUCKET/THUMBS \\
#       --response-backend nginx --base-url http://YOUR-HOST/
# where {root_url} is the URL of s3://BUCKET/THUMBS/.
# A thumbnail in the bucket is fetched from it by nginx; only a miss (403 or 404
# from the bucket) reaches Python, which renders, PUTs the object and answers
# `X-Accel-Redirect: <the same URI>`, so nginx fetches it from the bucket too.
# The bucket must let nginx GET objects below that URL (a bucket policy
# allowing s3:GetObject on THUMBS/*; docs/deployment.md). nginx resolves the
# bucket's host name when it starts: reload it if that name's addresses change.

upstream restthumbnails_backend {{
{servers}    keepalive 16;
}}

upstream restthumbnails_bucket {{
    server {bucket.address};
    keepalive 16;
}}

server {{
    listen {site.listen};
    server_name {" ".join(site.server_names)};

{_BACKEND_DEFAULTS}
{_KEEP_PATH}
    # Only a path of a thumbnail's shape is ever asked of the bucket: no other
    # object in it can be read through this site. $uri is decoded, as object keys
    # are; nginx encodes it again when it passes the rewritten URI on.
    location ~ "{THUMBNAIL_PATH}" {{
        # GET and HEAD only; any other method is refused here (403) and so
        # answered by the backend (405).
        limit_except GET {{
            deny all;
        }}
        # Nothing of the client's but this path reaches the bucket. The final "?"
        # drops the query string (S3 acts on ?acl, ?versionId=, ?response-*=);
        # no body, and no header but the two that make a conditional GET answer
        # 304 (not Authorization, Cookie, x-amz-*, Range: nginx cuts a range
        # from the whole object itself).
        rewrite ^ {bucket.path}$uri? break;
        proxy_pass {bucket.scheme}://restthumbnails_bucket;
{tls}        proxy_force_ranges on;
        proxy_pass_request_headers off;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header Host "{bucket.host}";
        proxy_set_header Connection "";
        proxy_set_header If-None-Match $http_if_none_match;
        proxy_set_header If-Modified-Since $http_if_modified_since;
{hidden}        # The object's own Content-Type and Cache-Control (written with it) pass
        # through. Not in the bucket yet (404, or 403 from a bucket that hides
        # which keys exist): the backend renders it.
        proxy_intercept_errors on;
        error_page 403 404 = @restthumbnails;
    }}

{_METRICS_LOCATION}
    # Everything else, {HEALTH_PATH} included, is answered by the backend every
    # time: never an object from the bucket, never cached.
    location / {{
        proxy_pass http://restthumbnails_backend;
    }}

    # The thumbnail's path as the location above matched it (it then rewrote
    # $uri for the bucket). The backend's X-Accel-Redirect restarts the request
    # at that location; a second miss there is not sent back here.
    location @restthumbnails {{
{_MISS_TO_BACKEND}    }}
}}
"""
