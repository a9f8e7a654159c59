"""Hostile sources, made in code: small files whose decode costs whatever the file says.

Shared by the tests and by `bench` (which measures their CPU cost per request).
"""

import io
import struct
import zlib

from PIL import Image

from .support.images import picture


def jpeg_scan_bomb(width: int, height: int, *, scans: int) -> bytes:
    """A progressive JPEG whose last scan is repeated until it has `scans` scans.

    libjpeg-turbo decodes every repeat, at the cost of a full pass over the
    coefficients, even when asked for a 1/8 scale draft.
    """
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 130, 140)).save(
        buffer, "JPEG", progressive=True, quality=50
    )
    data = buffer.getvalue()
    last_scan = data.rindex(b"\xff\xda")
    end = data.rindex(b"\xff\xd9")
    existing = data.count(b"\xff\xda")
    repeat = data[last_scan:end]
    return data[:end] + repeat * max(0, scans - existing) + data[end:]


def gif_frame_bomb(frames: int) -> bytes:
    """A 1x1 GIF of `frames` frames: each is a few bytes, counting them is the cost."""
    header = b"GIF89a" + struct.pack("<HH", 1, 1) + b"\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\x00" + b"\x02\x02\x44\x01\x00"
    return header + frame * frames + b"\x3b"


def tiff_ifd_chain(pages: int) -> bytes:
    """A TIFF whose first IFD describes a 1x1 image and links `pages` - 1 more copies of it."""
    entries = [
        (256, 3, 1, 1),  # width
        (257, 3, 1, 1),  # height
        (258, 3, 1, 8),  # bits per sample
        (259, 3, 1, 1),  # no compression
        (262, 3, 1, 1),  # black is zero
        (273, 4, 1, 8),  # strip offset: the pixel right after the header
        (277, 3, 1, 1),  # samples per pixel
        (278, 3, 1, 1),  # rows per strip
        (279, 4, 1, 1),  # strip byte count
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    first = 12  # header (8) + one pixel, padded to 12
    out = bytearray(b"II" + struct.pack("<HI", 42, first) + b"\x80\x00\x00\x00")
    for page in range(pages):
        out += struct.pack("<H", len(entries))
        for tag, kind, count, value in entries:
            packed = struct.pack("<I", value) if kind == 4 else struct.pack("<HH", value, 0)
            out += struct.pack("<HHI", tag, kind, count) + packed
        following = first + (page + 1) * ifd_size if page + 1 < pages else 0
        out += struct.pack("<I", following)
    return bytes(out)


def bmp_rle8(width: int, height: int) -> bytes:
    """An 8-bit BMP compressed with RLE8 (each row one run and an end-of-line)."""
    palette = b"".join(struct.pack("<BBBB", i, i, i, 0) for i in range(256))
    rows = b""
    for _ in range(height):
        left = width
        while left:
            run = min(255, left)
            rows += bytes((run, 7))
            left -= run
        rows += b"\x00\x00"
    rows += b"\x00\x01"
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(rows), 2835, 2835, 256, 0)
    return b"BM" + struct.pack("<IHHI", offset + len(rows), 0, 0, offset) + info + palette + rows


def ordinary_jpeg(width: int = 800, height: int = 600) -> bytes:
    buffer = io.BytesIO()
    picture(width, height).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def apng_frame_bomb(frames: int, *, declared: int | None = None) -> bytes:
    """A 1x1 APNG of `frames` frames whose acTL declares `declared` (default: all of them).

    Each frame is a few dozen bytes; what the decoder does is decode, composite and
    hand over a whole canvas per frame.
    """
    pixel = zlib.compress(b"\x00\xff\x00\x00")  # filter byte, one red RGB pixel
    out = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    out += _png_chunk(b"acTL", struct.pack(">II", declared or frames, 0))
    sequence = 0
    for index in range(frames):
        control = struct.pack(">IIIIIHHBB", sequence, 1, 1, 0, 0, 1, 10, 0, 0)
        out += _png_chunk(b"fcTL", control)
        sequence += 1
        if index == 0:
            out += _png_chunk(b"IDAT", pixel)
        else:
            out += _png_chunk(b"fdAT", struct.pack(">I", sequence) + pixel)
            sequence += 1
    return out + _png_chunk(b"IEND", b"")


def webp_frame_bomb(frames: int) -> bytes:
    """A 1x1 animated WebP of `frames` frames: one frame libwebp wrote, repeated."""
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (1, 1), (255, 0, 0)), Image.new("RGB", (1, 1), (0, 0, 255))
    first.save(buffer, "WEBP", save_all=True, append_images=[second], lossless=True, duration=10)
    data = buffer.getvalue()
    head, chunks, position = [], [], 12
    while position < len(data):
        kind, size = (
            data[position : position + 4],
            struct.unpack("<I", data[position + 4 : position + 8])[0],
        )
        chunk = data[position : position + 8 + size + (size & 1)]
        (chunks if kind == b"ANMF" else head).append(chunk)
        position += len(chunk)
    body = b"WEBP" + b"".join(head) + chunks[-1] * frames
    return b"RIFF" + struct.pack("<I", len(body)) + body
