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
# Start-of-frame markers (0xC4 is DHT, 0xC8 JPG, 0xCC DAC: not frames).
_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Baseline and extended sequential Huffman frames: decoded scan by scan, never refined.
_SEQUENTIAL = frozenset({0xC0, 0xC1})


def _rewound(stream: BinaryIO) -> int:
    position = stream.tell()
    stream.seek(0)
    return position


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def count_jpeg_scans(stream: BinaryIO, *, limit: int) -> int:
    """Scans (SOS markers) the decoder will read in a JPEG, counting no further than limit + 1.

    Header segments are walked by their lengths, so an EXIF thumbnail inside
    APP1 adds nothing. A sequential JPEG whose first scan carries every component
    is decoded from that scan alone (libjpeg refuses a second one), so it is 1
    without reading on: most photos, and the whole file need not be read twice.
    Otherwise (progressive, or one scan per component) every 0xFF 0xDA from the
    first scan on is counted: inside entropy-coded data 0xFF is always followed by
    0x00 or a restart marker, so the count is never too low.
    """
    start = _rewound(stream)
    try:
        header = stream.read(4)
        if header[:2] != b"\xff\xd8":
            return 0
        position = 2
        frame: tuple[int, int] | None = None  # (SOF marker, components)
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
            if marker[1] in _FRAME_MARKERS:
                # SOF: precision (1), height (2), width (2), then the component count.
                fields = stream.read(6)
                frame = (marker[1], fields[5]) if len(fields) == 6 else None
            position += 2 + struct.unpack(">H", marker[2:4])[0]
        stream.seek(position + 4)
        scan_components = stream.read(1)  # after the marker and its length
        if frame is not None and frame[0] in _SEQUENTIAL and scan_components == bytes([frame[1]]):
            return 1
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


def looks_like_webp(prefix: bytes) -> bool:
    """Whether these first 12 bytes open a WebP file (a RIFF container of WEBP)."""
    return prefix[:4] == b"RIFF" and prefix[8:12] == b"WEBP"


def count_webp_frames(stream: BinaryIO, *, limit: int) -> int:
    """ANMF chunks in an animated WebP (1 for a still one), counting no further than limit + 1."""
    start = _rewound(stream)
    try:
        header = stream.read(12)
        if len(header) < 12 or not looks_like_webp(header):
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


def heif_decoded_pixels(stream: BinaryIO, *, max_entries: int = 65536) -> int | None:
    """An upper bound on the pixels a HEIF decoder decodes for any one image of the file,
    read from its item properties and references alone; None when the header holds
    more than `max_entries` boxes, associations and references (real files: a few
    hundred), or does not parse.

    The size Pillow reports is after the container's crop (`clap`) and rotation,
    but the decoder decodes the whole coded image (`ispe`) before cropping: a 1x1
    crop of a 20000x20000 image costs 400 MP. A grid (or overlay) decodes every
    image it references, once per reference: the sum of their coded sizes.
    """
    start = _rewound(stream)
    try:
        budget = [max_entries]
        end = stream.seek(0, 2)
        meta = _find_box(stream, 0, end, b"meta", budget)
        if meta is None:
            return None if budget[0] < 0 else 0
        children = {
            kind: (payload, box_end)
            for kind, payload, box_end in _boxes(stream, meta[0] + 4, meta[1], budget)
        }
        if budget[0] < 0:
            return None
        properties = children.get(b"iprp")
        if properties is None:
            return 0
        inside = {
            kind: (payload, box_end)
            for kind, payload, box_end in _boxes(stream, *properties, budget)
        }
        if b"ipco" not in inside or b"ipma" not in inside:
            return 0
        extents = [
            _ispe_area(stream, payload) if kind == b"ispe" else 0
            for kind, payload, _ in _boxes(stream, *inside[b"ipco"], budget)
        ]
        coded = _item_areas(_payload(stream, inside[b"ipma"]), extents, budget)
        derived = 0
        if b"iref" in children:
            references = _payload(stream, children[b"iref"])
            for kind, targets in _references(references, budget):
                if kind == b"dimg":
                    derived = max(derived, sum(coded.get(item, 0) for item in targets))
        if budget[0] < 0:
            return None
        return max(derived, max(extents, default=0))
    except (struct.error, IndexError, ValueError):
        return None
    finally:
        stream.seek(start)


def _boxes(
    stream: BinaryIO, position: int, limit: int, budget: list[int]
) -> Iterator[tuple[bytes, int, int]]:
    while position < limit:
        box = _box_at(stream, position, limit, budget)
        if box is None:
            return
        yield box
        position = box[2]


def _payload(stream: BinaryIO, region: tuple[int, int]) -> bytes:
    stream.seek(region[0])
    return stream.read(region[1] - region[0])


def _ispe_area(stream: BinaryIO, payload: int) -> int:
    stream.seek(payload + 4)  # version and flags
    size = stream.read(8)
    if len(size) < 8:
        return 0
    width, height = struct.unpack(">II", size)
    return int(width * height)


def _item_areas(ipma: bytes, extents: list[int], budget: list[int]) -> dict[int, int]:
    """Item ID -> the area of its `ispe` (0 for items without one)."""
    version, flags = ipma[0], int.from_bytes(ipma[1:4], "big")
    entries = struct.unpack(">I", ipma[4:8])[0]
    id_size, index_size = (4 if version >= 1 else 2), (2 if flags & 1 else 1)
    index_mask = 0x7FFF if flags & 1 else 0x7F
    areas: dict[int, int] = {}
    position = 8
    for _ in range(entries):
        budget[0] -= 1
        if budget[0] < 0:
            break
        item = int.from_bytes(ipma[position : position + id_size], "big")
        count = ipma[position + id_size]
        position += id_size + 1
        area = 0
        for _ in range(count):
            budget[0] -= 1
            index = int.from_bytes(ipma[position : position + index_size], "big") & index_mask
            position += index_size
            if 0 < index <= len(extents):
                area = max(area, extents[index - 1])
        areas[item] = area
    return areas


def _references(iref: bytes, budget: list[int]) -> Iterator[tuple[bytes, list[int]]]:
    """(reference type, the items it points at) for each reference of an `iref` box."""
    id_size = 4 if iref[0] >= 1 else 2
    position = 4  # version and flags
    while position + 8 <= len(iref) and budget[0] >= 0:
        size, kind = (
            struct.unpack(">I", iref[position : position + 4])[0],
            iref[position + 4 : position + 8],
        )
        if size < 8 + id_size + 2 or position + size > len(iref):
            raise ValueError("broken iref box")
        count_at = position + 8 + id_size
        count = struct.unpack(">H", iref[count_at : count_at + 2])[0]
        budget[0] -= count + 1
        first = count_at + 2
        targets = [
            int.from_bytes(iref[at : at + id_size], "big")
            for at in range(first, min(first + count * id_size, position + size), id_size)
        ]
        yield kind, targets
        position += size


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
