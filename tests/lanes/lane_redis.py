"""`pip install 'restthumbnails[redis]'`: the render lock in a real redis-server."""

import re

from kit import main
from locking import ask, lock_lane, start_redis


def lane() -> None:
    port = start_redis()

    def lock_writes() -> int:
        stats = ask(port, b"INFO commandstats\r\n")
        return sum(int(calls) for calls in re.findall(r"cmdstat_set:calls=(\d+)", stats))

    lock_lane(
        cache_url=f"redis://127.0.0.1:{port}/0",
        backend="django.core.cache.backends.redis.RedisCache",
        location=f"redis://127.0.0.1:{port}/1",
        lock_writes=lock_writes,
    )


main(lane)
