"""What the numbers were measured on: machine, versions, command."""

import os
import platform
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from .peers import Peer


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def _tool(command: list[str], pattern: str) -> str:
    if shutil.which(command[0]) is None:
        return "not installed"
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    match = re.search(pattern, done.stdout + done.stderr)
    return match.group(1) if match else "unknown"


def _in_venv(peer: Peer, code: str) -> str:
    done = subprocess.run(
        [str(peer.python), "-c", code], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def describe(peers: dict[str, Peer]) -> list[tuple[str, str]]:
    from PIL import features

    return [
        (
            "machine",
            f"{_cpu()}, {os.cpu_count()} cores, {_memory_gib():.0f} GiB, "
            f"{platform.system()} {platform.release()}",
        ),
        ("Python", sys.version.split()[0]),
        ("restthumbnails", version("restthumbnails")),
        ("Django / gunicorn", f"{version('Django')} / {version('gunicorn')}"),
        (
            "Pillow (libjpeg-turbo, libwebp)",
            f"{version('Pillow')} ({features.version('libjpeg_turbo')}, "
            f"{features.version('webp')})",
        ),
        (
            "pyvips (libvips)",
            _in_venv(
                peers["tools"],
                "import pyvips; print(pyvips.__version__, '(libvips', "
                "'.'.join(str(pyvips.version(i)) for i in range(3)) + ')')",
            ),
        ),
        (
            "thumbor",
            _in_venv(
                peers["thumbor"],
                "from importlib.metadata import version; print(version('thumbor'))",
            ),
        ),
        (
            "sorl-thumbnail",
            _in_venv(
                peers["sorl"],
                "from importlib.metadata import version; print(version('sorl-thumbnail'))",
            ),
        ),
        (
            "easy-thumbnails",
            _in_venv(
                peers["easy"],
                "from importlib.metadata import version; print(version('easy-thumbnails'))",
            ),
        ),
        ("nginx", _tool(["nginx", "-v"], r"nginx/(\S+)")),
        ("wrk", _tool(["wrk", "-v"], r"wrk (\S+)")),
    ]
