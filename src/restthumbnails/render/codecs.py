"""Which of the formats only some Pillow builds encode (AVIF) this install writes.

Imported by the package itself (restthumbnails/__init__.py), so it has run before
any module reads `core.formats`: the URL grammar, the `<picture>` formats and the
engine then agree on exactly what this Pillow can encode.
"""

from PIL import features

from ..core import formats


def enable_encodable() -> None:
    for ext in formats.OPTIONAL_FORMATS:
        # Pillow names these features as their extensions ("avif").
        if ext not in formats.OUTPUT_FORMATS and features.check(ext):
            formats.enable(ext)


enable_encodable()
