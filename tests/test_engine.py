import io
import random
from collections.abc import Iterator

import pytest
from PIL import Image, ImageCms, ImageStat

from restthumbnails.core.formats import EXTENSIONS
from restthumbnails.core.geometry import plan
from restthumbnails.core.spec import make_spec
from restthumbnails.exceptions import SourceRejected
from restthumbnails.render.engine import _decode, render
from restthumbnails.render.options import EngineOptions

from .support.images import (
    decode,
    encode,
    jpeg,
    linear_rgb_icc_profile,
    open_source,
    picture,
    png,
    png_claiming,
)

OPTIONS = EngineOptions()


@pytest.fixture(autouse=True, params=["pillow", "vips"])
def engine_under_test(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Every test here runs against both engines: they promise the same thumbnails.

    A [vips] case must reach libvips' own decoder: the vips engine hands JPEG (and
    anything else outside VIPS_FORMATS) to Pillow, so a case that only renders such
    sources is marked `pillow_decodes` and runs once, as [pillow].
    """
    if request.param == "pillow":
        yield "pillow"
        return
    if request.node.get_closest_marker("pillow_decodes"):
        pytest.skip("its sources are decoded by Pillow in both engines (JPEG)")
    if request.node.get_closest_marker("refused_from_header"):
        pytest.skip("refused from the header, before either engine's decoder")
    vips_engine = pytest.importorskip("restthumbnails.render.vips_engine")
    decoded_by_libvips: list[bool] = []
    real_decode = vips_engine._decode_shrunk

    def counting_decode(*args, **kwargs):
        decoded_by_libvips.append(True)
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(vips_engine, "_decode_shrunk", counting_decode)
    monkeypatch.setitem(globals(), "render", vips_engine.render)
    yield "vips"
    assert decoded_by_libvips, "a [vips] case whose sources never reached libvips"


def own_decoder_source(engine: str, width: int, height: int) -> bytes:
    """A photo each engine decodes itself: JPEG for Pillow, PNG for libvips."""
    return jpeg(width, height) if engine == "pillow" else png(width, height)


def thumb(
    data: bytes, size: str, method: str = "crop", ext: str = "jpg", **options
) -> Image.Image:
    return decode(render(data, make_spec("s", size, method, ext), EngineOptions(**options)))


SOURCES = {"landscape": (1600, 1200), "portrait": (1200, 1600), "square": (1000, 1000)}
EXPECTED = {
    # (source, size, method): output size
    ("landscape", "200x200", "crop"): (200, 200),
    ("landscape", "200x200", "smart"): (200, 200),
    ("landscape", "200x200", "scale"): (200, 150),
    ("portrait", "200x200", "crop"): (200, 200),
    ("portrait", "200x200", "scale"): (150, 200),
    ("portrait", "300x100", "smart"): (300, 100),
    ("square", "200x100", "crop"): (200, 100),
    ("square", "200x100", "scale"): (100, 100),
    ("square", "100x300", "smart"): (100, 300),
    ("landscape", "400x", "crop"): (400, 300),
    ("landscape", "x300", "smart"): (400, 300),
    ("portrait", "x400", "scale"): (300, 400),
    ("portrait", "300x", "crop"): (300, 400),
}


@pytest.mark.parametrize(("case", "expected"), EXPECTED.items(), ids=lambda v: str(v))
def test_each_method_gives_the_exact_size(
    case: tuple[str, str, str], expected, engine_under_test: str
) -> None:
    source, size, method = case
    data = own_decoder_source(engine_under_test, *SOURCES[source])
    assert thumb(data, size, method).size == expected


def test_no_upscaling_by_default_and_upscaling_on_request(engine_under_test: str) -> None:
    small = own_decoder_source(engine_under_test, 120, 90)
    assert thumb(small, "400x400", "scale").size == (120, 90)
    assert thumb(small, "400x200", "crop").size == (120, 60)
    assert thumb(small, "400x400", "scale", upscale=True).size == (400, 300)
    assert thumb(small, "400x200", "crop", upscale=True).size == (400, 200)


@pytest.mark.parametrize("ext", sorted(EXTENSIONS))
def test_output_format_is_exactly_the_extension(ext: str) -> None:
    # avif is in EXTENSIONS only where this Pillow build can encode it
    expected = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}.get(
        ext, ext.upper()
    )
    assert thumb(png(300, 200), "100x100", "crop", ext).format == expected


@pytest.mark.pillow_decodes
def test_jpeg_output_has_quality_and_carries_no_metadata() -> None:
    source = picture(800, 600)
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(source, "JPEG", exif=exif, icc_profile=icc, comment=b"secret")
    out = thumb(data, "200x150", "scale")
    assert "exif" not in out.info and "icc_profile" not in out.info and "comment" not in out.info
    assert len(thumb(data, "200x150", "scale", quality=30).tobytes()) == 200 * 150 * 3
    small = render(data, make_spec("s", "200x150", "scale", "jpg"), EngineOptions(quality=30))
    large = render(data, make_spec("s", "200x150", "scale", "jpg"), EngineOptions(quality=95))
    assert len(small) < len(large)


# The example Huffman tables of the JPEG standard (Annex K), as the 16 code-length
# counts of each: what libjpeg writes when it does not optimise.
_STANDARD_HUFFMAN_COUNTS = {
    (0, 0): bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]),
    (0, 1): bytes([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]),
    (1, 0): bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]),
    (1, 1): bytes([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77]),
}


def _huffman_counts(data: bytes) -> dict[tuple[int, int], bytes]:
    """(class, id) -> code-length counts of every DHT table before the first scan."""
    tables: dict[tuple[int, int], bytes] = {}
    at = 2  # after SOI
    while data[at] == 0xFF and data[at + 1] != 0xDA:
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if marker == 0xC4:
            table = data[at + 4 : at + 2 + length]
            while table:
                counts = table[1:17]
                tables[(table[0] >> 4, table[0] & 0x0F)] = counts
                table = table[17 + sum(counts) :]
        at += 2 + length
    return tables


@pytest.mark.parametrize(
    ("size", "optimized"),
    [
        ("64x48", True),
        ("200x150", True),
        ("400x300", True),
        ("640x468", True),  # 299,520 pixels: the last size optimised
        ("800x600", False),
        ("1600x1200", False),
    ],
)
def test_jpeg_encoder_settings_follow_the_output_size(size: str, optimized: bool) -> None:
    # Input: a 1600x1200 photo-like PNG (each engine decodes it itself) cropped to
    # `size` as JPEG. Answer: a baseline JPEG (never progressive: it costs about 5x
    # the CPU for 7-10% of the bytes) of exactly that size, with Huffman tables
    # optimised for its pixels up to 0.3 MP and the standard's above.
    data = render(png(1600, 1200), make_spec("s", size, "crop", "jpg"), OPTIONS)
    out = Image.open(io.BytesIO(data))
    width, height = map(int, size.split("x"))
    assert out.format == "JPEG" and out.size == (width, height)
    assert "progressive" not in out.info and "progression" not in out.info
    tables = _huffman_counts(data)
    assert set(tables) == set(_STANDARD_HUFFMAN_COUNTS)
    assert (tables != _STANDARD_HUFFMAN_COUNTS) is optimized


def _quadrant_picture() -> Image.Image:
    """Upright 120x80: red top-left block, blue elsewhere."""
    image = Image.new("RGB", (120, 80), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 60, 40))
    return image


# The transform that turns an upright picture into what a camera stores with tag N.
_STORE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_first(orientation: int, engine_under_test: str) -> None:
    upright = _quadrant_picture()
    stored = upright if _STORE[orientation] is None else upright.transpose(_STORE[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    fmt = "JPEG" if engine_under_test == "pillow" else "PNG"  # each engine's own decoder
    data = encode(stored, fmt, exif=exif)
    out = thumb(data, "60x", "scale").convert("RGB")
    assert out.size == (60, 40)
    red, _, blue = out.getpixel((5, 5))
    assert red > 200 and blue < 60, f"top-left should be red, is {out.getpixel((5, 5))}"
    red, _, blue = out.getpixel((55, 35))
    assert blue > 200 and red < 60


@pytest.mark.pillow_decodes
def test_cmyk_source_becomes_rgb() -> None:
    data = encode(Image.new("CMYK", (200, 100), (0, 255, 255, 0)), "JPEG", quality=95)
    out = thumb(data, "100x50", "scale")
    assert out.mode == "RGB"
    red, green, blue = out.getpixel((50, 25))
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize(
    ("mode", "size"),
    [
        ("RGB", 100),
        # Reduced by a factor of 6 before the resample, a band at a time (alpha).
        ("RGBA", 900),
    ],
)
def test_embedded_profile_is_converted_to_srgb(mode: str, size: int) -> None:
    icc = linear_rgb_icc_profile()
    source = Image.new(mode, (size, size), (128, 128, 128, 255)[: len(mode)])
    plain = thumb(encode(source, "PNG"), "50x50", "scale", ext="png")
    profiled = thumb(encode(source, "PNG", icc_profile=icc), "50x50", "scale", ext="png")
    assert plain.getpixel((25, 25))[:3] == (128, 128, 128)
    assert profiled.getpixel((25, 25))[:3] == pytest.approx((188, 188, 188), abs=3)
    assert "icc_profile" not in profiled.info


def _transparent_with_blue_square() -> bytes:
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (50, 50, 150, 150))
    return encode(image, "PNG")


def test_alpha_is_flattened_over_the_background_for_jpeg() -> None:
    out = thumb(_transparent_with_blue_square(), "100x100", "scale")
    assert out.mode == "RGB"
    assert out.getpixel((2, 2)) == pytest.approx((255, 255, 255), abs=3)
    black = thumb(_transparent_with_blue_square(), "100x100", "scale", background=(0, 0, 0))
    assert black.getpixel((2, 2)) == pytest.approx((0, 0, 0), abs=3)
    assert out.getpixel((50, 50))[2] > 240


@pytest.mark.parametrize("ext", ["png", "webp"])
def test_alpha_is_kept_for_png_and_webp(ext: str) -> None:
    out = thumb(_transparent_with_blue_square(), "100x100", "scale", ext)
    assert out.mode == "RGBA"
    assert out.getpixel((2, 2))[3] == 0
    assert out.getpixel((50, 50))[3] == 255


def test_palette_source_with_transparency() -> None:
    image = Image.new("P", (100, 100), 0)
    image.putpalette([255, 255, 255, 255, 0, 0] + [0] * 762)
    image.paste(1, (25, 25, 75, 75))
    data = encode(image, "GIF", transparency=0)
    out = thumb(data, "50x50", "scale", "png")
    assert out.mode == "RGBA"
    assert out.getpixel((1, 1))[3] == 0
    assert out.getpixel((25, 25)) == (255, 0, 0, 255)


@pytest.mark.pillow_decodes
def test_grayscale_source_stays_grey() -> None:
    out = thumb(encode(picture(300, 200, "L"), "JPEG"), "150x100", "scale")
    assert out.mode == "L" and out.size == (150, 100)


def test_sixteen_bit_source_is_scaled_not_clipped() -> None:
    image = Image.new("I;16", (64, 64), 32768)
    out = thumb(encode(image, "PNG"), "32x32", "scale", "png")
    assert out.getpixel((16, 16)) in range(120, 136)


@pytest.mark.pillow_decodes
def test_large_jpeg_is_never_decoded_at_full_size() -> None:
    data = jpeg(4000, 3000)
    image = open_source(data, OPTIONS)
    layout = plan(4000, 3000, 200, 200, "crop", upscale=False)
    decoded, scale = _decode(image, layout, (4000, 3000), 1)
    assert decoded.size == (500, 375) and scale == 1 / 8
    # and the thumbnail is still right
    assert thumb(data, "200x200").size == (200, 200)


def test_smart_keeps_the_busy_corner() -> None:
    rng = random.Random(7)
    image = Image.new("L", (600, 200), 128)
    noise = Image.frombytes("L", (120, 200), bytes(rng.randrange(256) for _ in range(120 * 200)))
    image.paste(noise, (480, 0))
    data = encode(image.convert("RGB"), "PNG")
    smart = thumb(data, "200x200", "smart", "png")
    centre = thumb(data, "200x200", "crop", "png")
    assert ImageStat.Stat(centre).stddev[0] < 2
    assert ImageStat.Stat(smart.crop((100, 0, 200, 200))).stddev[0] > 40


# Hostile sources: each refused before or during decoding, never a crash.


HOSTILE = {
    "zero bytes": b"",
    "text": b"hello, I am not an image\n" * 10,
    "truncated jpeg": jpeg(800, 600)[:3000],
    "header-only jpeg": jpeg(800, 600)[:300],
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "postscript": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nshowpage\n",
    "png claiming 40000x40000": png_claiming(40000, 40000),
    "psd": b"8BPS\x00\x01" + b"\x00" * 40,
}


@pytest.mark.refused_from_header
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_sources_are_rejected(name: str) -> None:
    with pytest.raises(SourceRejected):
        render(HOSTILE[name], make_spec("s", "100x100", "crop", "jpg"), OPTIONS)


@pytest.mark.refused_from_header
def test_pixel_limit_is_read_from_the_header() -> None:
    data = jpeg(1000, 1000)
    with pytest.raises(SourceRejected, match="over the limit"):
        open_source(data, EngineOptions(max_source_pixels=999_999))
    assert open_source(data, EngineOptions(max_source_pixels=1_000_000)).size == (1000, 1000)


def test_animated_frames_count_toward_the_pixel_limit() -> None:
    frames = [Image.new("RGB", (100, 100), (i * 80, 0, 0)) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(SourceRejected, match="100x100x3"):
        open_source(buffer.getvalue(), EngineOptions(max_source_pixels=25_000))
    # under the limit, a still output takes the first frame (each engine's own decoder)
    assert thumb(buffer.getvalue(), "50x50", "scale", "png").size == (50, 50)


@pytest.mark.refused_from_header
def test_only_listed_source_formats_are_decoded() -> None:
    """BMP and TIFF are refused by default (their cost is hard to bound) and decoded once
    an operator lists them."""
    for fmt in ("BMP", "TIFF"):
        data = encode(picture(100, 100), fmt)
        with pytest.raises(SourceRejected, match="not a supported image"):
            thumb(data, "50x50", "scale")
        opted_in = EngineOptions(source_formats=("JPEG", fmt))
        spec = make_spec("s", "50x50", "scale", "jpg")
        assert decode(render(data, spec, opted_in)).size == (50, 50)
