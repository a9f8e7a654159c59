"""What a source will cost to decode, read from its bytes without decoding a pixel.

Each counter walks the container's structure only (marker segments, blocks,
chunks, IFD links) and stops as soon as it passes its limit, so a hostile file
costs at most a bounded read: a JPEG that repeats its last scan thousands of
times, a GIF of millions of empty frames, a TIFF of endlessly chained IFDs.
Every function leaves the stream where it found it.
"""

import struct
from collections.abc import Iterator
from typing import BinaryIO

CHUNK = 1 << 20
_SOS = b"\xff\xda"
# JPEG markers with no length field after them.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xDA)})


def _rewound(stream: BinaryIO) -> int:
    position = stream.tell()
    stream.seek(0)
    return position


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def count_jpeg_scans(stream: BinaryIO, *, limit: int) -> int:
    """Scans (SOS markers) in a JPEG, counting no further than limit + 1.

    Header segments are walked by their lengths, so an EXIF thumbnail inside
    APP1 adds nothing. From the first scan on, every 0xFF 0xDA is counted: inside
    entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so
    the count is never too low.
    """
    start = _rewound(stream)
    try:
        header = stream.read(4)
        if header[:2] != b"\xff\xd8":
            return 0
        position = 2
        while True:
            stream.seek(position)
            marker = stream.read(4)
            if len(marker) < 2 or marker[0] != 0xFF:
                return 0
            if marker[1] == 0xFF:  # fill byte before a marker
                position += 1
                continue
            if marker[1] == 0xDA:
                break
            if marker[1] in _STANDALONE:
                position += 2
                continue
            if len(marker) < 4:
                return 0
            position += 2 + struct.unpack(">H", marker[2:4])[0]
        stream.seek(position)
        scans = 0
        previous = b""
        for chunk in _chunks(stream):
            # A marker split across two chunks is counted once: join the last byte.
            scans += (previous + chunk).count(_SOS)
            if scans > limit:
                break
            previous = chunk[-1:]
        return scans
    finally:
        stream.seek(start)


def count_gif_frames(stream: BinaryIO, *, limit: int) -> int:
    """Image descriptors in a GIF, counting no further than limit + 1."""
    start = _rewound(stream)
    try:
        header = stream.read(13)
        if len(header) < 13 or header[:3] != b"GIF":
            return 0
        if header[10] & 0x80:  # global colour table
            stream.seek(3 * (2 << (header[10] & 0x07)), 1)
        frames = 0
        while frames <= limit:
            introducer = stream.read(1)
            if introducer == b"\x2c":  # image descriptor
                frames += 1
                descriptor = stream.read(9)
                if len(descriptor) < 9:
                    break
                if descriptor[8] & 0x80:  # local colour table
                    stream.seek(3 * (2 << (descriptor[8] & 0x07)), 1)
                stream.read(1)  # LZW minimum code size
            elif introducer == b"\x21":  # extension: a label, then sub-blocks
                stream.read(1)
            else:  # trailer, or a file that ends here
                break
            if not _skip_sub_blocks(stream):
                break
        return frames
    finally:
        stream.seek(start)


def _skip_sub_blocks(stream: BinaryIO) -> bool:
    while True:
        size = stream.read(1)
        if not size:
            return False
        if size == b"\x00":
            return True
        stream.seek(size[0], 1)


def count_webp_frames(stream: BinaryIO, *, limit: int) -> int:
    """ANMF chunks in an animated WebP (1 for a still one), counting no further than limit + 1."""
    start = _rewound(stream)
    try:
        header = stream.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WEBP":
            return 0
        frames = 0
        still = False
        while frames <= limit:
            chunk = stream.read(8)
            if len(chunk) < 8:
                break
            kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if kind == b"ANMF":
                frames += 1
            elif kind in (b"VP8 ", b"VP8L"):
                still = True
            stream.seek(size + (size & 1), 1)  # chunks are padded to an even size
        return frames or int(still)
    finally:
        stream.seek(start)


def count_tiff_pages(stream: BinaryIO, *, limit: int) -> int:
    """IFDs chained in a TIFF, counting no further than limit + 1; a loop ends the walk."""
    start = _rewound(stream)
    try:
        header = stream.read(8)
        if header[:2] == b"II":
            order = "<"
        elif header[:2] == b"MM":
            order = ">"
        else:
            return 0
        if len(header) < 8 or struct.unpack(order + "H", header[2:4])[0] != 42:
            return 0  # BigTIFF and others: Pillow's plugin reads them its own way
        offset = struct.unpack(order + "I", header[4:8])[0]
        seen: set[int] = set()
        while offset and offset not in seen and len(seen) <= limit:
            seen.add(offset)
            stream.seek(offset)
            count = stream.read(2)
            if len(count) < 2:
                break
            stream.seek(12 * struct.unpack(order + "H", count)[0], 1)
            link = stream.read(4)
            if len(link) < 4:
                break
            offset = struct.unpack(order + "I", link)[0]
        return len(seen)
    finally:
        stream.seek(start)


def bmp_is_run_length_encoded(stream: BinaryIO) -> bool:
    """BI_RLE8 or BI_RLE4: Pillow decodes these in pure Python, at a cost no header bounds."""
    start = _rewound(stream)
    try:
        header = stream.read(34)
        if len(header) < 34 or header[:2] != b"BM":
            return False
        info_size = struct.unpack("<I", header[14:18])[0]
        if info_size < 40:  # the old OS/2 header has no compression field
            return False
        return struct.unpack("<I", header[30:34])[0] in (1, 2)
    finally:
        stream.seek(start)


# The HEIF boxes that lead to the image sizes: meta (a full box: 4 more header
# bytes), its item properties (iprp), their container (ipco), then each `ispe`.
_HEIF_PATH = ((b"meta", 4), (b"iprp", 0), (b"ipco", 0))


def heif_coded_size(stream: BinaryIO, *, max_boxes: int = 4096) -> tuple[int, int] | None:
    """The largest image a HEIF file codes (its biggest `ispe` property), or None when
    the walk passes `max_boxes` boxes first.

    Pillow reports the size after the container's crop (`clap`) and rotation, but
    the decoder decodes the whole coded image (or grid tile) before cropping: a
    1x1 crop of a 20000x20000 image costs 400 MP. Real files hold a few dozen boxes.
    """
    start = _rewound(stream)
    try:
        end = stream.seek(0, 2)
        budget = [max_boxes]
        region = (0, end)
        for kind, skip in _HEIF_PATH:
            found = _find_box(stream, *region, kind, budget)
            if found is None:
                return None if budget[0] < 0 else (0, 0)
            region = (found[0] + skip, found[1])
        largest = (0, 0)
        position, limit = region
        while position < limit:
            box = _box_at(stream, position, limit, budget)
            if box is None:
                return None if budget[0] < 0 else largest
            kind, payload, box_end = box
            if kind == b"ispe":
                stream.seek(payload + 4)  # version and flags
                size = stream.read(8)
                if len(size) == 8:
                    width, height = struct.unpack(">II", size)
                    if width * height > largest[0] * largest[1]:
                        largest = (width, height)
            position = box_end
        return largest
    finally:
        stream.seek(start)


def _find_box(
    stream: BinaryIO, position: int, limit: int, kind: bytes, budget: list[int]
) -> tuple[int, int] | None:
    """(payload start, end) of the first box of `kind` between position and limit."""
    while position < limit:
        box = _box_at(stream, position, limit, budget)
        if box is None:
            return None
        if box[0] == kind:
            return box[1], box[2]
        position = box[2]
    return None


def _box_at(
    stream: BinaryIO, position: int, limit: int, budget: list[int]
) -> tuple[bytes, int, int] | None:
    """(type, payload start, end) of the ISO BMFF box at `position`; None past the budget
    or at a box that does not fit."""
    budget[0] -= 1
    if budget[0] < 0:
        return None
    stream.seek(position)
    header = stream.read(16)
    if len(header) < 8:
        return None
    size, kind = struct.unpack(">I", header[:4])[0], header[4:8]
    payload = position + 8
    if size == 1:  # a 64-bit size follows the type
        if len(header) < 16:
            return None
        size, payload = struct.unpack(">Q", header[8:16])[0], position + 16
    elif size == 0:  # the box runs to the end of its container
        size = limit - position
    if size < payload - position or position + size > limit:
        return None
    return kind, payload, position + size
