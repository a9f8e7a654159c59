"""Slow clients meet nginx, never `serve`.

gunicorn's threads read request headers themselves, so a few dozen clients that
send a header byte now and then hold every thread of `serve`. That is why `serve`
listens on loopback only unless told `--behind-proxy` (tests/test_cli.py), and
why the shipped nginx site sits in front: nginx reads whole requests itself, and
passes on only complete ones. Here 100 connections that never finish their
headers are open at nginx while ordinary requests keep being answered.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

from .stack import Stack, thumbnail_url
from .support import LOOPBACK, fetch, generated_count

SLOW_CLIENTS = 100


@contextlib.contextmanager
def slow_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections, each stopped half-way through its headers."""
    sockets: list[socket.socket] = []
    try:
        for n in range(count):
            sock = socket.create_connection((LOOPBACK, port), timeout=10)
            sockets.append(sock)
            sock.sendall(f"GET /slow-client-{n}.jpg/{n + 1}x/scale/".encode())
        for sock in sockets:
            sock.sendall(b" HTTP/1.1\r\nHost: thumbs.test\r\nX-Slow: a")
        yield sockets
    finally:
        for sock in sockets:
            sock.close()


def unanswered(sock: socket.socket) -> bool:
    """Still waiting for the rest of its headers, or closed by nginx's
    client_header_timeout without an answer: either way, no response."""
    sock.setblocking(False)  # look, do not wait
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return True


def test_slow_clients_at_nginx_do_not_stop_other_requests(
    stack: Stack, sample_media: Path, thumbnails_dir: Path
) -> None:
    # One worker process: 4 threads that 100 slow clients would hold 25 times over.
    backend = stack.serve(sample_media, thumbnails_dir, workers=1, response_backend="nginx")
    nginx, proxy_url = stack.proxy("nginx", thumbnails_dir, backend)
    port = int(proxy_url.rsplit(":", 1)[1].rstrip("/"))

    with slow_clients(port, SLOW_CLIENTS) as waiting:
        # Misses (rendered by serve), a hit (from disk) and the health check.
        misses = [
            thumbnail_url(proxy_url, "portrait.jpg", f"{w}x", "scale", "jpg") for w in (30, 40, 50)
        ]
        for url in [*misses, misses[0], proxy_url + "_health"]:
            response = fetch(url, timeout=30)
            assert response.status == 200, (url, response)
        assert generated_count(backend.process) == len(misses)
        # nginx held them (or dropped them at its own timeout); none got an answer
        # and none reached serve.
        assert all(unanswered(sock) for sock in waiting)
    assert "slow-client-" not in backend.process.output()
    assert nginx.running() and backend.process.running()
