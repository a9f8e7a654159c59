"""`pip install 'restthumbnails[memcached]'`: the render lock in a real memcached."""

import re

from kit import main
from locking import ask, lock_lane, start_memcached


def lane() -> None:
    port = start_memcached()

    def lock_writes() -> int:
        found = re.search(r"STAT cmd_set (\d+)", ask(port, b"stats\r\n"))
        return int(found.group(1)) if found else 0

    lock_lane(
        cache_url=f"memcached://127.0.0.1:{port}",
        backend="django.core.cache.backends.memcached.PyMemcacheCache",
        location=f"127.0.0.1:{port}",
        lock_writes=lock_writes,
    )


main(lane)
