"""A render process holds the Pillow plugins of the formats it may decode and encode,
not every plugin Pillow ships (render/plugins.py): the opt-in source formats come with
the first job that allows them."""

from pathlib import Path

from restthumbnails.core.formats import OUTPUT_FORMATS

from .support.fresh_render import run_after_render_preamble
from .support.images import encode, picture

PROBE = """
def plugins():
    return sorted(name for name in sys.modules if name.endswith("ImagePlugin"))

print("imported", plugins())
print("jpeg", render(sys.argv[1]), plugins())
tiff = render(sys.argv[2], (*DEFAULT_SOURCE_FORMATS, "TIFF"))
print("tiff", tiff, "PIL.TiffImagePlugin" in sys.modules)
"""


def test_only_the_configured_formats_plugins_are_imported(tmp_path: Path) -> None:
    # Input: the engine imported in a fresh interpreter, a JPEG rendered with the
    # default formats, then a TIFF with TIFF allowed. Answer: both render; no plugin
    # outside the default source and output formats (and what Image.open tries first)
    # is imported until the TIFF job, which imports TIFF's.
    jpeg_path, tiff_path = tmp_path / "a.jpg", tmp_path / "b.tif"
    jpeg_path.write_bytes(encode(picture(120, 80), "JPEG"))
    tiff_path.write_bytes(encode(picture(120, 80), "TIFF"))
    lines = run_after_render_preamble(PROBE, str(jpeg_path), str(tiff_path))
    expected = {
        "PIL.BmpImagePlugin",
        "PIL.GifImagePlugin",
        "PIL.JpegImagePlugin",
        "PIL.PngImagePlugin",
        "PIL.PpmImagePlugin",
        "PIL.WebPImagePlugin",
        *(("PIL.AvifImagePlugin",) if "avif" in OUTPUT_FORMATS else ()),
    }
    # All of them before any job: what the render pool's processes share.
    assert set(eval(lines[0].removeprefix("imported "))) == expected  # noqa: S307 (ours)
    assert lines[1].startswith("jpeg True") and "Tiff" not in lines[1]
    assert lines[2] == "tiff True True"
