"""Text that is safe to log: signatures shortened, control characters escaped, bounded."""

import re

from .spec import CONTROL_CHARACTERS

_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
MAX_LOGGED_CHARS = 300


def redact(text: str) -> str:
    """Shorten every 64-hex signature to its first 12 digits and escape control characters.

    The prefix still tells two thumbnails apart in a log; the whole signature
    never reaches a log file where it could be replayed elsewhere.
    """
    shortened = _SIGNATURE.sub(lambda match: match.group()[:12] + "...", text)
    escaped = CONTROL_CHARACTERS.sub(lambda match: f"\\x{ord(match.group()):02x}", shortened)
    if len(escaped) > MAX_LOGGED_CHARS:
        escaped = escaped[:MAX_LOGGED_CHARS] + "..."
    return escaped
