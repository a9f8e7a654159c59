"""HEIC test sources, written in code by pillow-heif.

pi-heif (the `heif` extra) only decodes; pillow-heif, a test dependency, also
bundles the x265 encoder (GPL), which is fine for making fixtures and is never
a dependency of the package. Only its encoder is used here: its Pillow opener
is never registered, so every decode in the tests goes through pi-heif.

Run as a script to write one file, e.g. for an install lane that has only the
extra: `python -m tests.heifs OUT.heic` (from a checkout, with pillow-heif).
"""

import io
import struct
import sys

from PIL import Image, ImageDraw

# Drawn in the stored (sensor) frame: a red block in the top-left corner of a
# landscape picture. With orientation 6 the upright picture is portrait and the
# block is at its top right.
BACKGROUND = (40, 90, 160)
MARK = (220, 30, 30)


def stored_picture(width: int, height: int) -> Image.Image:
    image = Image.new("RGB", (width, height), BACKGROUND)
    ImageDraw.Draw(image).rectangle([0, 0, width // 4 - 1, height // 4 - 1], fill=MARK)
    return image


def heic(width: int = 600, height: int = 400, *, orientation: int = 1) -> bytes:
    """A HEIC of the stored picture, rotated as a phone does: the orientation goes into
    the container (irot/imir, which the decoder applies) and into EXIF."""
    import pillow_heif

    options: dict[str, object] = {"quality": 90}
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    buffer = io.BytesIO()
    pillow_heif.from_pillow(stored_picture(width, height)).save(buffer, **options)
    return buffer.getvalue()


def with_coded_size(data: bytes, width: int, height: int) -> bytes:
    """The HEIC with its image spatial extents (`ispe`) claiming width x height.

    The file keeps its crop box (`clap`), so Pillow still reports the small size:
    only the header says how much the decoder would decode.
    """
    at = data.index(b"ispe")
    return data[: at + 8] + struct.pack(">II", width, height) + data[at + 16 :]


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as out:
        out.write(heic(orientation=6))
