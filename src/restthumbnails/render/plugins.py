"""Pillow's format plugins, imported by format name instead of all at once.

`Image.init()` imports every plugin Pillow ships, about 45 modules and 3 MB in each
process that holds them, while a render needs the decoders of `SOURCE_FORMATS` and
the encoders of the output formats. Importing a plugin registers its opener and
saver, so `Image.open(..., formats=...)` and `Image.save` then find it without
`Image.init()`. The engine and animation.py load the default source formats and
every output format when they are imported (before the render pool forks, so its
processes share them), and the engine loads an opt-in source format (TIFF) with the
first job that allows it. HEIF is pi-heif's plugin, registered by render/heif.py.
"""

import importlib
import sys
from collections.abc import Iterable

# Pillow's format names (those of SOURCE_FORMATS and core/formats.py) to its modules.
_MODULES = {
    "JPEG": "PIL.JpegImagePlugin",
    "PNG": "PIL.PngImagePlugin",
    "GIF": "PIL.GifImagePlugin",
    "WEBP": "PIL.WebPImagePlugin",
    "AVIF": "PIL.AvifImagePlugin",
    "TIFF": "PIL.TiffImagePlugin",
    "BMP": "PIL.BmpImagePlugin",
}


def load(formats: Iterable[str]) -> None:
    """Import the plugins of these formats that are not imported yet; others are ignored."""
    for name in formats:
        module = _MODULES.get(name.upper())
        if module is not None and module not in sys.modules:
            importlib.import_module(module)
