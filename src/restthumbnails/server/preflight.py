"""Refusals before `serve` starts: set-ups that would fail later, or work unsafely.

Each check returns a one-line reason naming the option to change, or None.
"""

import errno
import ipaddress
import socket
from pathlib import Path
from typing import Any

from ..extras import backend_problem
from .keys import ENV_KEY_FILE, is_inside

BEHIND_PROXY_FLAG = "--behind-proxy"
# What moves the key file `serve` creates by default.
DEFAULT_KEY_FILE_OPTION = f"${ENV_KEY_FILE} or $XDG_CONFIG_HOME"


def is_loopback(host: str) -> bool:
    """True for `localhost` and addresses in 127.0.0.0/8 or ::1; False for any other
    name, since a name may resolve to a public address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def direct_clients_problem(host: str, *, behind_proxy: bool) -> str | None:
    """gunicorn's threads read request headers themselves: a few dozen clients
    sending a byte a second hold every thread. Only a buffering proxy in front
    (nginx reads whole requests first) makes a non-loopback address safe."""
    if behind_proxy or is_loopback(host):
        return None
    return (
        f"--host {host or '(all addresses)'} is not a loopback address: serve must not "
        "face clients directly (slow clients hold its threads); put a buffering proxy "
        f"such as nginx in front and add {BEHIND_PROXY_FLAG}"
    )


def served_files_problem(
    thumbnails_dir: Path,
    *,
    key_file: Path | None,
    key_file_option: str,
    lock_file: Path | None,
) -> str | None:
    """The key and the lock database must not live where thumbnails are served from:
    anything serving that folder (a proxy, a sync job, a backup to a bucket) would
    publish them."""
    if key_file is not None and is_inside(key_file, thumbnails_dir):
        return (
            f"the key file {key_file} is inside the thumbnails folder {thumbnails_dir}: "
            f"move it ({key_file_option}) or choose another --thumbnails-dir"
        )
    if lock_file is not None and is_inside(lock_file, thumbnails_dir):
        return (
            f"the lock file {lock_file} would be inside the thumbnails folder "
            f"{thumbnails_dir}: set $XDG_CACHE_HOME elsewhere, use --cache-url or choose "
            "another --thumbnails-dir"
        )
    return None


def missing_client_library(lock_cache: dict[str, Any]) -> str | None:
    """Checked before start: without it every miss would be a 503 at request time."""
    return backend_problem(lock_cache["BACKEND"], what=f"--cache-url {lock_cache['LOCATION']}")


def port_in_use(host: str, port: int) -> str | None:
    """Bind as gunicorn will (SO_REUSEADDR), so only a real listener is reported."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is in use: choose another with --port"
            return f"cannot listen on {host}:{port} ({exc.strerror}): check --host and --port"
    return None
