"""A CMYK ICC profile built in code (Pillow can only create RGB, Lab and XYZ ones).

A printer profile ('prtr', CMYK to XYZ) with one 2-point lut16 A2B0 table: each
of the 16 corners of the ink cube (every ink at 0 % or 100 %) is a colour named
in sRGB below, as a press with imperfect inks would print it. Those corners are
far from Pillow's profile-less CMYK->RGB formula (pure cyan is (0, 158, 219)
here, (0, 255, 255) there), so a test sees which conversion a thumbnail went through.
"""

import struct

# The ICC D50 white, and the sRGB primaries adapted to it (Bradford): the matrix
# every sRGB ICC profile carries, so LittleCMS maps these values back exactly.
_D50 = (0.9642, 1.0, 0.8249)
_SRGB_TO_XYZ_D50 = (
    (0.4361, 0.3851, 0.1431),
    (0.2225, 0.7169, 0.0606),
    (0.0139, 0.0971, 0.7141),
)
# What each ink alone lets through of red, green and blue light.
_INK_FILTERS = (
    (0.0, 0.62, 0.86),  # cyan
    (0.89, 0.0, 0.55),  # magenta
    (1.0, 0.93, 0.0),  # yellow
    (0.2, 0.2, 0.2),  # black
)


def printed_colour(c: bool, m: bool, y: bool, k: bool) -> tuple[int, int, int]:
    """The sRGB colour this profile gives a patch of full (True) or no (False) inks."""
    light = [255.0, 255.0, 255.0]
    for used, ink in zip((c, m, y, k), _INK_FILTERS, strict=True):
        if used:
            light = [value * through for value, through in zip(light, ink, strict=True)]
    return (round(light[0]), round(light[1]), round(light[2]))


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _linear(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def _xyz(rgb: tuple[int, int, int]) -> list[float]:
    linear = [_linear(value) for value in rgb]
    return [sum(row[i] * linear[i] for i in range(3)) for row in _SRGB_TO_XYZ_D50]


def _a2b0() -> bytes:
    body = struct.pack(">BBBB", 4, 3, 2, 0)
    body += b"".join(_s15(value) for value in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    body += struct.pack(">HH", 2, 2)  # identity input and output curves of 2 points
    body += struct.pack(">HH", 0, 0xFFFF) * 4
    for corner in range(16):  # the last input channel (black) varies fastest
        inks = [bool(corner >> shift & 1) for shift in (3, 2, 1, 0)]
        # XYZ in lut16 is u1Fixed15: 0x8000 is 1.0.
        for value in _xyz(printed_colour(*inks)):
            body += struct.pack(">H", min(0xFFFF, round(value * 0x8000)))
    body += struct.pack(">HH", 0, 0xFFFF) * 3
    return b"mft2" + b"\0" * 4 + body


def cmyk_icc_profile() -> bytes:
    text = b"restthumbnails test CMYK"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text) + 1) + text + b"\0" + b"\0" * 78
    tags = [
        (b"desc", desc),
        (b"cprt", b"text" + b"\0" * 4 + b"CC0\0"),
        (b"wtpt", b"XYZ " + b"\0" * 4 + b"".join(_s15(value) for value in _D50)),
        (b"A2B0", _a2b0()),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, block in tags:
        block += b"\0" * (-len(block) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(block))
        data += block
    header = (
        struct.pack(">I", offset + len(data))
        + b"\0" * 4
        + struct.pack(">I", 0x02100000)
        + b"prtrCMYKXYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)  # perceptual
        + b"".join(_s15(value) for value in _D50)
    )
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + data
