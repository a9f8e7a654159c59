"""The shared-lock lanes ([redis], [memcached]): one script, two servers."""

import socket
from collections.abc import Callable

from kit import (
    LANE_DIR,
    DjangoSite,
    check,
    fetch_image,
    free_port,
    program,
    serve,
    signed_url,
    start,
    step,
    wait_for_port,
    write_image,
)


def start_redis() -> int:
    port = free_port()
    binary = program("redis-server", "redis-server")
    data = LANE_DIR / "redis"
    data.mkdir(exist_ok=True)
    start(
        "redis",
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            data,
        ],
    )
    wait_for_port(port)
    return port


def start_memcached() -> int:
    port = free_port()
    binary = program("memcached", "memcached")
    start("memcached", [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-u", "root"])
    wait_for_port(port)
    return port


def ask(port: int, request: bytes) -> str:
    """One plain-text command to redis or memcached, its whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while not answer.endswith((b"END\r\n", b"\r\n\r\n")):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer.decode()


def lock_lane(
    *, cache_url: str, backend: str, location: str, lock_writes: Callable[[], int]
) -> None:
    images = LANE_DIR / "images"
    write_image(images / "photo.jpg")
    step(f"serve --cache-url {cache_url}: a thumbnail under that lock")
    before = lock_writes()
    server, base_url = serve(images, "--cache-url", cache_url)
    check(
        fetch_image(signed_url("photo.jpg", "100x75", "crop", "jpg", base_url)) == (100, 75),
        "the crop is not 100x75",
    )
    server.stop()
    check(lock_writes() > before, "the thumbnail was rendered without taking the lock")

    step(f"a Django site with {backend} as its lock cache: check, a thumbnail via runserver")
    site = DjangoSite(
        LANE_DIR / "site",
        settings=f"""
        CACHES = {{"default": {{"BACKEND": {backend!r}, "LOCATION": {location!r}}}}}
    """,
    )
    write_image(site.media / "photo.jpg")
    site.manage("check")
    url = site.shell("""
        from restthumbnails.api import thumbnail_url
        print(thumbnail_url("photo.jpg", "80x60", "crop", "jpg"))
    """)
    before = lock_writes()
    server, origin = site.runserver()
    check(fetch_image(origin + url) == (80, 60), "runserver: the crop is not 80x60")
    check(lock_writes() > before, "runserver rendered without taking the lock")
