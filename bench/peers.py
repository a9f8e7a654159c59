"""The peers' own virtualenvs, under bench/.venvs/, built only when missing.

Each peer gets a venv of its own so its dependencies never meet ours; the
requirement list is stamped into the venv, and a changed list rebuilds it.
"""

import os
import subprocess
import sys
import venv
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

VENVS = Path(__file__).resolve().parent / ".venvs"
# Built binaries of peers that are not Python packages (ignored by git).
BINARIES = Path(__file__).resolve().parent / ".peers"
STAMP = ".bench-requirements"


def _ours(name: str) -> str:
    """The exact version of a library in our own venv, so both sides use the same one."""
    return f"{name}=={version(name)}"


@dataclass(frozen=True)
class Peer:
    name: str
    requirements: tuple[str, ...]

    @property
    def root(self) -> Path:
        return VENVS / self.name

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def bin(self) -> Path:
        return self.root / "bin"


def peers() -> dict[str, Peer]:
    pillow, django = _ours("Pillow"), _ours("Django")
    return {
        # pyvips for the engine comparison and numpy for SSIM; the same Pillow and
        # Django as ours, so our engine runs here unchanged (src/ on PYTHONPATH).
        "tools": Peer(
            "tools", (pillow, django, "pyvips==3.2.0", "pyvips-binary==8.18.7", "numpy==2.4.6")
        ),
        "thumbor": Peer("thumbor", ("thumbor==7.8.0",)),
        "sorl": Peer("sorl", (django, pillow, "sorl-thumbnail==13.4.0")),
        "easy": Peer("easy", (django, "easy-thumbnails==2.10.1")),
    }


def imgproxy_binary() -> Path | None:
    """An imgproxy 3.x binary built outside this repository: IMGPROXY_BIN, else
    bench/.peers/imgproxy/imgproxy; None when neither is an executable file."""
    configured = os.environ.get("IMGPROXY_BIN")
    candidate = Path(configured) if configured else BINARIES / "imgproxy" / "imgproxy"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    return None


def ensure(peer: Peer, log: "callable[[str], None]" = print) -> Peer:
    wanted = "\n".join(peer.requirements) + "\n"
    stamp = peer.root / STAMP
    if stamp.is_file() and stamp.read_text() == wanted and peer.python.exists():
        return peer
    log(f"building {peer.root} ({', '.join(peer.requirements)})")
    venv.EnvBuilder(clear=True, with_pip=True).create(peer.root)
    pip = [str(peer.python), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", *peer.requirements], check=True)
    stamp.write_text(wanted)
    return peer


def ensure_all(log: "callable[[str], None]" = print) -> dict[str, Peer]:
    return {name: ensure(peer, log) for name, peer in peers().items()}


if __name__ == "__main__":
    ensure_all(lambda line: print(line, file=sys.stderr))
