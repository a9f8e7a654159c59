"""Test images built in code: no binary fixtures in the repository."""

import io
import struct
import zlib
from typing import BinaryIO

from PIL import Image

from fixtures.images import picture
from restthumbnails.render.engine import open_counted
from restthumbnails.render.options import EngineOptions


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg(width: int, height: int, *, orientation: int = 1, **options: object) -> bytes:
    image = picture(width, height)
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    return encode(image, "JPEG", quality=90, **options)


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    return encode(picture(width, height, mode), "PNG")


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def linear_rgb_icc_profile() -> bytes:
    """A minimal ICC v2 display profile: sRGB primaries but a linear (gamma 1.0) curve.

    Built here because Pillow can only create sRGB/Lab/XYZ profiles. Mid-grey 128
    in this space is about 188 in sRGB, so a conversion is plain to see.
    """

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + b"\0" * 4 + s15(x) + s15(y) + s15(z)

    def padded(block: bytes) -> bytes:
        return block + b"\0" * (-len(block) % 4)

    text = b"linear sRGB test profile"
    desc = (
        b"desc"
        + b"\0" * 4
        + struct.pack(">I", len(text) + 1)
        + text
        + b"\0"
        + b"\0" * 8
        + b"\0" * 3
        + b"\0" * 67
    )
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 0x0100)
    tags = [
        (b"desc", desc),
        (b"cprt", b"text" + b"\0" * 4 + b"CC0\0"),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)),
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, block in tags:
        table += signature + struct.pack(">II", offset + len(body), len(block))
        body += padded(block)
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
    )
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + body


def png_claiming(width: int, height: int) -> bytes:
    """A valid 8x8 PNG whose header says it is width x height (a decompression bomb)."""
    data = bytearray(png(8, 8))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def open_source(data: bytes | BinaryIO, options: EngineOptions) -> Image.Image:
    """The source as the engine identifies it from its header (frames not wanted here)."""
    return open_counted(data, options)[0]
