"""glibc's heap, told what these processes need: one arena, and freed memory given back.

Both are no-ops where the C library is not glibc (musl has one arena and no trim).
"""

import contextlib
import ctypes
from collections.abc import Callable

_M_ARENA_MAX = -8


def one_malloc_arena() -> None:
    """Give every thread of this process (and of the processes it forks) glibc's main arena.

    glibc gives each thread that allocates while another does an arena of its own,
    and keeps what each arena once held; a new arena also reserves 64 MB of address
    space. serve's workers run Python on one thread at a time (the GIL), so extra
    arenas only hold memory (about 0.8 MB per worker at four connections); a render
    process's second thread (the fsync and rename) would have its 64 MB counted
    against RENDER_MEMORY_LIMIT.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)


def heap_trimmer() -> Callable[[], None]:
    """glibc's malloc_trim(0): hand the freed pixel buffers of the last job back to the
    kernel, so an idle render process holds its shared pages and little else."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl): nothing to call
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0) and None
