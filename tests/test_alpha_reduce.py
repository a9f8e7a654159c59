"""A source with alpha is box-reduced a band at a time: the same pixels as Pillow's
own reduce, without a second full-size copy of the decoded source."""

import random
import subprocess
import sys
import textwrap

import pytest
from PIL import Image

from restthumbnails.render import engine


def noisy(mode: str, size: tuple[int, int]) -> Image.Image:
    rng = random.Random(7)
    bands = len(mode)
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * bands))


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
@pytest.mark.parametrize("factor", [2, 3, 7])
def test_banded_reduce_gives_pillows_pixels(
    mode: str, factor: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sizes no factor divides, and bands of a few rows, so the last band and the
    # last column are partial blocks, as Pillow rounds them up.
    monkeypatch.setattr(engine, "_BAND_PIXELS", 5000)
    source = noisy(mode, (613, 409))
    source.info["icc_profile"] = b"an embedded profile, converted to sRGB after the reduce"
    banded = engine._reduce_in_bands(source, factor)
    assert banded.mode == mode
    assert banded.size == source.reduce(factor).size
    assert banded.tobytes() == source.reduce(factor).tobytes()
    assert banded.info == source.reduce(factor).info


PEAK_OF_A_RENDER = textwrap.dedent(
    """
    import sys
    from restthumbnails.core.spec import make_spec
    from restthumbnails.render.engine import render
    from restthumbnails.render.options import EngineOptions


    def high_water() -> int:
        # VmHWM, not ru_maxrss: a process keeps the ru_maxrss of whatever it was
        # forked from across exec (here, the test run's own).
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024

    before = high_water()
    with open(sys.argv[1], "rb") as source:
        render(source, make_spec("a.png", "200x200", "crop", "png"), EngineOptions())
    print(high_water() - before)
    """
)


def test_rendering_an_rgba_png_holds_the_decoded_source_about_once(tmp_path) -> None:
    """A 3000x2000 RGBA PNG (24 MB decoded) to 200x200: the render process's peak
    memory grows by about the decoded size, 2.1x before (Pillow's reduce alone held
    it twice)."""
    width, height = 3000, 2000
    source = tmp_path / "a.png"
    noisy("RGBA", (width, height)).save(source, "PNG", compress_level=0)
    done = subprocess.run(
        [sys.executable, "-c", PEAK_OF_A_RENDER, str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    growth = int(done.stdout) / (width * height * 4)
    assert growth < 1.6, f"peak memory grew by {growth:.2f}x the decoded source"
