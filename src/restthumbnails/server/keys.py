"""Where the standalone server's signing key comes from.

Order: --secret-key or --secret-key-file, then $REST_THUMBNAILS_SECRET_KEY, then
a key file that `serve` creates on first start. The file lives in the user's
config folder, outside every folder the server or a proxy serves, so `url` can
find the same key later. --secret-key-file keeps the key out of `ps` and
/proc/PID/cmdline, where --secret-key is visible to every user of the host.
"""

import os
import secrets
from pathlib import Path

ENV_SECRET_KEY = "REST_THUMBNAILS_SECRET_KEY"  # noqa: S105 (a variable name)
ENV_KEY_FILE = "REST_THUMBNAILS_KEY_FILE"


def key_file_path() -> Path:
    explicit = os.environ.get(ENV_KEY_FILE)
    if explicit:
        return Path(explicit)
    config_home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config_home) / "restthumbnails" / "secret-key"


def read_key_file(path: Path) -> tuple[str | None, str]:
    """The key in a file given with --secret-key-file; (None, why) if there is none."""
    try:
        key = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        return None, f"--secret-key-file {path}: cannot read it ({why})"
    if not key:
        return None, f"--secret-key-file {path} is empty"
    return key, f"--secret-key-file {path}"


def resolve_key(
    given: str | None, *, create: bool, key_file: Path | None = None
) -> tuple[str | None, str]:
    """The key and a few words on where it came from; (None, why) if there is none."""
    if given:
        return given, "--secret-key"
    if key_file is not None:
        return read_key_file(key_file)
    from_env = os.environ.get(ENV_SECRET_KEY)
    if from_env:
        return from_env, f"${ENV_SECRET_KEY}"
    path = key_file_path()
    if path.is_file():
        return path.read_text(encoding="utf-8").strip(), str(path)
    if not create:
        return None, (
            f"no --secret-key-file, no --secret-key, no ${ENV_SECRET_KEY} "
            f"and no key file at {path}"
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two servers starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip(), str(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key, f"{path} (new)"


def is_inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents
