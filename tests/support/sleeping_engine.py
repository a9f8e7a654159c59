"""An engine that waits without using CPU, run by the render pool's processes.

RLIMIT_CPU never stops it (it uses no CPU), so only the request side's SIGKILL
at GENERATION_TIMEOUT ends it before it wakes. Like tests/engines.py, a source
holding `pid:<path>` makes it write its PID there first.
"""

import os
import time
from typing import Any, BinaryIO

SLEEP_SECONDS = 30.0


def sleep(source: BinaryIO, spec: Any, options: Any, **kwargs: Any) -> bytes:
    content = source.read()
    if content.startswith(b"pid:"):
        with open(content[4:].decode().strip(), "w") as handle:
            handle.write(str(os.getpid()))
    time.sleep(SLEEP_SECONDS)
    return b""
