"""HEIC test sources, written in code by pillow-heif.

pi-heif (the `heif` extra) only decodes; pillow-heif, a test dependency, also
bundles the x265 encoder (GPL), which is fine for making fixtures and is never
a dependency of the package. Only its encoder is used here: its Pillow opener
is never registered, so every decode in the tests goes through pi-heif.

Run as a script to write one file, e.g. for an install lane that has only the
extra: `python -m tests.support.heifs OUT.heic` (from a checkout, with pillow-heif).
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


def _box(kind: bytes, payload: bytes, *, full: int | None = None) -> bytes:
    """An ISO BMFF box; `full` is the version of a full box (flags 0)."""
    if full is not None:
        payload = bytes((full, 0, 0, 0)) + payload
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _child(data: bytes, kind: bytes) -> bytes:
    """The payload of the first box of `kind` in `data` (a sequence of boxes)."""
    position = 0
    while position < len(data):
        size = struct.unpack(">I", data[position : position + 4])[0]
        if data[position + 4 : position + 8] == kind:
            return data[position + 8 : position + size]
        position += size
    raise KeyError(kind)


def grid(
    rows: int, columns: int, canvas: tuple[int, int], *, tile: tuple[int, int] = (64, 64)
) -> bytes:
    """A HEIC whose primary image is a grid of rows x columns tiles, each an item of its
    own whose data is the same coded picture (pillow-heif writes no grids: the file is
    assembled here around one coded tile).

    `canvas` is the grid's output size; a canvas smaller than the tiles cover makes the
    decoder decode every tile to draw a small picture.
    """
    single = heic(*tile)
    meta = _child(single, b"meta")[4:]
    properties = _child(_child(meta, b"iprp"), b"ipco")
    hvcc, colr, pixi = (_child(properties, kind) for kind in (b"hvcC", b"colr", b"pixi"))
    coded = _child(single, b"mdat")
    tiles = rows * columns
    grid_item = tiles + 1
    ipco = _box(
        b"ipco",
        _box(b"hvcC", hvcc)
        + _box(b"colr", colr)
        + _box(b"ispe", struct.pack(">II", *tile), full=0)
        + _box(b"pixi", pixi[4:], full=0)
        + _box(b"ispe", struct.pack(">II", *canvas), full=0),
    )
    # Tiles: hvcC (essential), colr, the tile's ispe, pixi. The grid: canvas ispe, pixi.
    ipma = _box(
        b"ipma",
        struct.pack(">I", tiles + 1)
        + b"".join(
            struct.pack(">HB", item, 4) + bytes((0x81, 2, 3, 4)) for item in range(1, grid_item)
        )
        + struct.pack(">HB", grid_item, 2)
        + bytes((5, 4)),
        full=0,
    )
    grid_spec = bytes((0, 0, rows - 1, columns - 1)) + struct.pack(">HH", *canvas)
    iinf = _box(
        b"iinf",
        struct.pack(">H", tiles + 1)
        + b"".join(
            _box(b"infe", struct.pack(">HH", item, 0) + b"hvc1" + b"\0", full=2)
            for item in range(1, grid_item)
        )
        + _box(b"infe", struct.pack(">HH", grid_item, 0) + b"grid" + b"\0", full=2),
        full=0,
    )
    iref = _box(
        b"iref",
        _box(
            b"dimg",
            struct.pack(">HH", grid_item, tiles)
            + b"".join(struct.pack(">H", item) for item in range(1, grid_item)),
        ),
        full=0,
    )

    def meta_box(tile_offset: int) -> bytes:
        iloc = _box(
            b"iloc",
            bytes((0x44, 0x00))
            + struct.pack(">H", tiles + 1)
            + b"".join(
                struct.pack(">HHHH", item, 0, 0, 1) + struct.pack(">II", tile_offset, len(coded))
                for item in range(1, grid_item)
            )
            + struct.pack(">HHHH", grid_item, 1, 0, 1)
            + struct.pack(">II", 0, len(grid_spec)),
            full=1,
        )
        return _box(
            b"meta",
            _box(b"hdlr", _child(meta, b"hdlr"))
            + _box(b"pitm", struct.pack(">H", grid_item), full=0)
            + iloc
            + iinf
            + iref
            + _box(b"iprp", ipco + ipma)
            + _box(b"idat", grid_spec),
            full=0,
        )

    ftyp = single[: struct.unpack(">I", single[:4])[0]]
    head = ftyp + meta_box(0)
    return ftyp + meta_box(len(head) + 8) + _box(b"mdat", coded)
