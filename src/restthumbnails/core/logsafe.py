"""Text that is safe to log: signatures shortened, non-printable characters escaped, bounded."""

import re

_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
MAX_LOGGED_CHARS = 300


def escape(text: str) -> str:
    """Every character that is not printable written as \\xNN, \\uNNNN or \\UNNNNNNNN.

    Not only C0 controls: NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH
    SEPARATOR (U+2029) end a line for many log readers, and the other
    non-printables (bidi overrides, format characters) disguise what a line says.
    str.isprintable() is false for all of them and true for a space.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(ord(char)) for char in text)


def _escaped(code: int) -> str:
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def redact(text: str) -> str:
    """Shorten every 64-hex signature to its first 12 digits, escape, and bound the length.

    The prefix still tells two thumbnails apart in a log; the whole signature
    never reaches a log file where it could be replayed elsewhere.
    """
    shortened = _SIGNATURE.sub(lambda match: match.group()[:12] + "...", text)
    escaped = escape(shortened)
    if len(escaped) > MAX_LOGGED_CHARS:
        escaped = escaped[:MAX_LOGGED_CHARS] + "..."
    return escaped
