"""What a whole server process tree costs: CPU seconds and summed PSS, read from /proc.

PSS (proportional set size) splits each shared page between the processes that
map it, so the sum over a tree of forked processes counts shared pages once;
summed RSS would count Pillow and Django once per process.
"""

import os
import threading
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """`root` and every process below it, through the children of every thread."""
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                pending += [int(value) for value in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def tree_cpu_seconds(root: int) -> float:
    """utime + stime + cutime + cstime of every live process of the tree.

    A child that ended and was reaped is counted in its parent's cutime/cstime,
    so a render process killed at its deadline still counts.
    """
    total = 0
    for pid in descendants(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])
    return total / TICKS


def pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_pss_mb(root: int) -> float:
    return sum(pss_mb(pid) for pid in descendants(root))


class PeakPss:
    """Samples the summed PSS of a process tree every `interval` s; keeps the largest.

    with PeakPss(server.process.pid) as peak:
        run the load
    peak.mb
    """

    def __init__(self, root: int, interval: float = 0.1) -> None:
        self.root = root
        self.interval = interval
        self.mb = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.mb = max(self.mb, tree_pss_mb(self.root))
            self.samples += 1
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> "PeakPss":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.mb = max(self.mb, tree_pss_mb(self.root))
