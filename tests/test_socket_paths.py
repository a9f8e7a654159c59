"""`restthumbnails render-pool PATH` removes only a stale socket at PATH, never another file.

Connecting to an ordinary file fails with ECONNREFUSED just as a dead socket
does; a typo, or RENDER_POOL pointed at a config file, must not delete it.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def render_pool(path: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "restthumbnails", "render-pool", str(path)]
    return subprocess.run(
        [*command, "--processes", "1"], capture_output=True, text=True, timeout=60
    )


def test_an_ordinary_file_at_the_socket_path_is_kept_and_refused(tmp_path: Path) -> None:
    # Input: PATH is a config file. Answer: exit 2, a message naming it, the file unchanged.
    config = tmp_path / "settings.py"
    config.write_text("SECRET = 'keep me'\n")
    result = render_pool(config)
    assert result.returncode == 2
    assert f"restthumbnails: {config} exists and is not a socket (an ordinary file)" in (
        result.stderr
    )
    assert config.read_text() == "SECRET = 'keep me'\n"


@pytest.mark.parametrize("kind", ["folder", "fifo", "symlink"])
def test_other_files_at_the_socket_path_are_kept_and_refused(tmp_path: Path, kind: str) -> None:
    # Input: PATH is a folder (with a file in it), a FIFO, or a symlink to a file.
    # Answer: exit 2 with the message; the thing at PATH is still there.
    path = tmp_path / "render.sock"
    target = tmp_path / "target.txt"
    target.write_text("data\n")
    if kind == "folder":
        path.mkdir()
        (path / "inside.txt").write_text("data\n")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(target)
    result = render_pool(path)
    assert result.returncode == 2
    assert f"{path} exists and is not a socket" in result.stderr
    assert os.path.lexists(path)
    assert target.read_text() == "data\n"
    if kind == "folder":
        assert (path / "inside.txt").read_text() == "data\n"


def test_a_live_pool_on_the_path_is_refused_and_left_running(tmp_path: Path) -> None:
    # Input: a socket something listens on. Answer: exit 2, "already listens"; the socket stays.
    path = tmp_path / "render.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(path))
        listener.listen(1)
        result = render_pool(path)
    finally:
        listener.close()
    assert result.returncode == 2
    assert f"a render pool already listens on {path}" in result.stderr
    assert path.is_socket()


def test_a_stale_socket_is_replaced(tmp_path: Path) -> None:
    # Input: a socket nobody listens on (a killed pool's). Answer: the pool starts on it.
    path = tmp_path / "render.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()
    command = [sys.executable, "-m", "restthumbnails", "render-pool", str(path)]
    process = subprocess.Popen([*command, "--processes", "1"], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.connect(str(path))  # someone answers now
        probe.close()
    finally:
        process.terminate()
        process.wait(30)
    assert not os.path.lexists(path)  # removed on the way out
