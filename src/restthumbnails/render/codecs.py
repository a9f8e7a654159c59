"""Which of the formats only some Pillow builds encode (AVIF) this install writes.

Imported by the package itself (restthumbnails/__init__.py), so it has run before
any module reads `core.formats`: the URL grammar, the `<picture>` formats and the
engine then agree on exactly what this Pillow can encode.

Asked of the import system, not of Pillow: whether Pillow's extension module for
the format is installed (what `PIL.features.check` tries by importing it), so that
importing this package loads no Pillow into processes that never decode. The one
difference: a module present but unable to load its library would be offered, and
each render of that format refused (422). Pillow's wheels carry their libraries, and
a distribution's Pillow package depends on the ones it was built with.
"""

import importlib.util

from ..core import formats


def enable_encodable() -> None:
    for ext in formats.OPTIONAL_FORMATS:
        # Pillow's codec modules are named after the extensions: PIL._avif.
        if ext not in formats.OUTPUT_FORMATS and importlib.util.find_spec(f"PIL._{ext}"):
            formats.enable(ext)


enable_encodable()
