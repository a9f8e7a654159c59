"""HEIF/HEIC sources (phone photos) through the `heif` extra, and without it.

The HEIC files are written by pillow-heif's encoder (a test dependency, see
tests/heifs.py); every decode is pi-heif's, in the render pool's processes.
"""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.test import Client
from PIL import Image

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec
from restthumbnails.render import engine, heif, options
from restthumbnails.render.heif import looks_like_heif
from restthumbnails.render.sourcecost import heif_decoded_pixels

from .support.animations import close
from .support.fresh_render import run_after_render_preamble
from .support.heifs import BACKGROUND, MARK, grid, heic, with_coded_size
from .support.images import decode, encode, picture
from .support.serving import start_serve

pytest.importorskip("pi_heif", reason="the heif extra (pi-heif) is not installed")
pytest.importorskip("pillow_heif", reason="pillow-heif (the tests' HEIC writer) is missing")
# Some tests open a HEIC with Pillow themselves: the opener the engine registers when
# its first HEIF source arrives.
heif.register()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_heif_is_recognised_from_its_ftyp_box_and_avif_is_not() -> None:
    assert looks_like_heif(heic(64, 48)[:32])
    avif = encode(picture(64, 48), "AVIF") if "avif" in engine.OUTPUT_FORMATS else None
    if avif is not None:
        assert not looks_like_heif(avif[:32])
    assert not looks_like_heif(encode(picture(64, 48), "PNG")[:32])


def test_installed_extra_makes_heif_a_default_source_format() -> None:
    assert options.HEIF_DECODES
    assert "HEIF" in options.DEFAULT_SOURCE_FORMATS


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
def test_heic_through_the_view_is_upright_and_of_the_asked_size(
    media: Path, signed_path, settings, engine_name: str
) -> None:
    # Input: a 600x400 HEIC stored landscape with orientation 6, as a phone holds
    # it upright, asked for 100 wide. Answer: a 100x150 portrait JPEG whose red
    # corner, top-left in the stored frame, is at the top right.
    settings.REST_THUMBNAILS_ENGINE = engine_name
    (media / "IMG_0001.heic").write_bytes(heic(600, 400, orientation=6))
    response = Client().get("/t/" + signed_path("IMG_0001.heic", "100x", "scale", "jpg"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    thumb = decode(body(response))
    assert thumb.size == (100, 150)
    assert close(thumb.getpixel((90, 10)), MARK)
    assert close(thumb.getpixel((10, 10)), BACKGROUND)
    assert close(thumb.getpixel((90, 140)), BACKGROUND)


def test_heic_crop_to_webp_keeps_the_asked_box(media: Path, signed_path) -> None:
    # Input: the same upright 400x600 picture, a 64x64 crop as WebP. Answer: 64x64 WebP.
    (media / "IMG_0002.heic").write_bytes(heic(600, 400, orientation=6))
    response = Client().get("/t/" + signed_path("IMG_0002.heic", "64x64", "crop", "webp"))
    assert response.status_code == 200
    assert decode(body(response)).size == (64, 64)


def test_heic_over_the_pixel_limit_is_422_from_the_header(
    media: Path, signed_path, settings, logs
) -> None:
    # Input: a 600x400 HEIC with MAX_SOURCE_PIXELS at 200,000. Answer: 422 naming its
    # 400x600 pixels (after the container's rotation), and a log line.
    settings.REST_THUMBNAILS_MAX_SOURCE_PIXELS = 200_000
    (media / "big.heic").write_bytes(heic(600, 400, orientation=6))
    response = Client().get("/t/" + signed_path("big.heic", "100x100", "crop", "jpg"))
    assert response.status_code == 422
    assert b"source has 400x600x1 pixels, over the limit of 200000" in response.content
    assert any("422 big.heic" in r.getMessage() for r in logs.records)


def test_heic_whose_header_codes_a_huge_image_is_422_before_decoding(
    media: Path, signed_path, logs
) -> None:
    # Input: a HEIC cropped (clap) to 301x201 whose `ispe` claims a 9000x9000 coded
    # image: Pillow reports 201x301, the decoder would decode 81 MP before cropping.
    # Answer: 422 from the header; the reason names the coded size, which no decode
    # of this file could produce (libheif would fail on the mismatch instead).
    source = with_coded_size(heic(301, 201, orientation=6), 9000, 9000)
    assert Image.open(io.BytesIO(source)).size == (201, 301)
    assert heif_decoded_pixels(io.BytesIO(source)) == 81_000_000
    (media / "bomb.heic").write_bytes(source)
    response = Client().get("/t/" + signed_path("bomb.heic", "100x100", "crop", "jpg"))
    assert response.status_code == 422
    assert b"source codes 81000000 pixels (HEIF), over the limit of 50000000" in (response.content)
    assert any("422 bomb.heic" in r.getMessage() for r in logs.records)


def test_a_grid_heic_is_assembled_from_its_tiles(media: Path, signed_path) -> None:
    # Input: a 192x100 grid of 2x3 tiles of 64x64 (the last row and column overhang
    # the canvas), scaled to 96 wide. Answer: 96x50, the tile's red corner at the top
    # left of the first and of the second tile.
    (media / "grid.heic").write_bytes(grid(2, 3, (192, 100)))
    response = Client().get("/t/" + signed_path("grid.heic", "96x", "scale", "png"))
    assert response.status_code == 200
    thumb = decode(body(response)).convert("RGB")
    assert thumb.size == (96, 50)
    assert close(thumb.getpixel((2, 2)), MARK)
    assert close(thumb.getpixel((34, 2)), MARK)
    assert close(thumb.getpixel((20, 20)), BACKGROUND)


def test_a_grid_heic_whose_tiles_overhang_a_small_canvas_is_422_from_the_header(
    media: Path, signed_path, settings, logs
) -> None:
    # Input: a grid of 30x30 distinct 64x64 tiles drawn into a 64x64 canvas, with
    # MAX_SOURCE_PIXELS at 1,000,000. Pillow reports 64x64 and no single coded image is
    # over 4096 pixels, but libheif decodes all 900 tiles (3,686,400 pixels) to draw it.
    # Answer: 422 naming the tiles' sum, read from the header (iref, ipma, ispe).
    settings.REST_THUMBNAILS_MAX_SOURCE_PIXELS = 1_000_000
    source = grid(30, 30, (64, 64))
    assert Image.open(io.BytesIO(source)).size == (64, 64)
    (media / "tiles.heic").write_bytes(source)
    response = Client().get("/t/" + signed_path("tiles.heic", "32x32", "crop", "jpg"))
    assert response.status_code == 422
    assert b"source codes 3686400 pixels (HEIF), over the limit of 1000000" in response.content
    assert any("422 tiles.heic" in r.getMessage() for r in logs.records)


def test_decoded_pixels_walk_stops_at_its_budget() -> None:
    # Input: a HEIC, walked with a budget of 2 entries (it needs about 10). Answer: None,
    # which the engine refuses; with the default budget, its coded size.
    source = heic(600, 400)
    assert heif_decoded_pixels(io.BytesIO(source), max_entries=2) is None
    assert heif_decoded_pixels(io.BytesIO(source)) == 240_000
    assert heif_decoded_pixels(io.BytesIO(grid(30, 30, (64, 64)))) == 900 * 64 * 64
    assert heif_decoded_pixels(io.BytesIO(encode(picture(8, 8), "PNG"))) == 0


def test_heif_listed_in_source_formats_without_the_extra_is_a_settings_error(
    settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from restthumbnails import conf
    from restthumbnails.conf import values

    # Input: SOURCE_FORMATS naming HEIF where the extra is missing. Answer: the settings
    # error names the pip command, and `check` reports it as E001.
    monkeypatch.setattr(values, "HEIF_DECODES", False)
    settings.REST_THUMBNAILS_SOURCE_FORMATS = ["JPEG", "HEIF"]
    with pytest.raises(ImproperlyConfigured, match=r"pip install 'restthumbnails\[heif\]'"):
        conf.get_settings()
    errors = [e for e in checks.run_checks() if e.id == "restthumbnails.E001"]
    assert any("pip install 'restthumbnails[heif]'" in e.msg for e in errors), errors


KEY = "heif-test-key-0123456789abcdef0123"


def test_without_the_extra_serve_answers_422_naming_it(
    tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Input: `serve` in a Python where pi_heif cannot be imported (a sitecustomize on
    # PYTHONPATH blocks it in serve and in every render process it starts), and a
    # HEIC in its folder. Answer: 422 whose reason is the pip command, and a log line;
    # a JPEG beside it is still served.
    blocker = tmp_path / "no-heif"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\nsys.modules['pi_heif'] = None\nsys.modules['pillow_heif'] = None\n"
    )
    monkeypatch.setenv("PYTHONPATH", f"{blocker}:{':'.join(sys.path)}")
    (media / "IMG_0003.heic").write_bytes(heic(120, 80))
    (media / "photo.jpg").write_bytes(encode(picture(120, 80), "JPEG"))
    thumbs = tmp_path / "serve-thumbs"

    def url(source: str) -> str:
        spec = make_spec(source, "60x60", "crop", "jpg")
        return "/" + spec.name(sign(spec, key=KEY))

    with start_serve(media, thumbs, key=KEY) as server:
        status, _, answer = server.get(url("IMG_0003.heic"))
        assert status == 422
        assert answer.startswith(
            b"source is HEIF (HEIC), which needs the heif extra: "
            b"pip install 'restthumbnails[heif]'"
        )
        assert server.get(url("photo.jpg"))[0] == 200
    log = server.log.read_text()
    assert "422 IMG_0003.heic" in log


def test_warm_renders_heic_sources_beside_jpegs(tmp_path: Path) -> None:
    # Input: `restthumbnails warm` on a folder of a HEIC and a JPEG (a phone's upload
    # folder), one size. Answer: exit 0, both rendered, the HEIC's thumbnail upright.
    library = tmp_path / "library"
    library.mkdir()
    (library / "IMG_0004.HEIC").write_bytes(heic(300, 200, orientation=6))
    (library / "photo.jpg").write_bytes(encode(picture(300, 200), "JPEG"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("REST_THUMBNAILS_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "restthumbnails",
            "warm",
            str(library),
            "--secret-key",
            KEY,
            "--size",
            "50x",
            "--method",
            "scale",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "2 rendered" in done.stdout, done.stdout
    [thumb] = (tmp_path / "library-thumbnails").glob("IMG_0004.HEIC/**/*.jpg")
    assert decode(thumb.read_bytes()).size == (50, 75)


LAZY_HEIF = """
render(sys.argv[1])
print("after jpeg", "pi_heif" in sys.modules)
render(sys.argv[2])
print("after heic", "pi_heif" in sys.modules)
"""


def test_a_process_loads_libheif_with_its_first_heif_source_only(tmp_path: Path) -> None:
    # Input: a JPEG, then a HEIC, rendered in a fresh interpreter. Answer: both render;
    # pi-heif (libheif, libde265) is imported by the HEIC, not before.
    jpeg_path, heic_path = tmp_path / "a.jpg", tmp_path / "b.heic"
    jpeg_path.write_bytes(encode(picture(120, 80), "JPEG"))
    heic_path.write_bytes(heic(120, 80))
    lines = run_after_render_preamble(LAZY_HEIF, str(jpeg_path), str(heic_path))
    assert lines[:2] == ["after jpeg False", "after heic True"]


def test_heic_left_out_of_source_formats_is_422_not_supported(
    media: Path, signed_path, settings
) -> None:
    # Input: a HEIC, the extra installed, SOURCE_FORMATS without HEIF. Answer: 422 that
    # says the source is not a supported image; nothing asks to install the extra.
    settings.REST_THUMBNAILS_SOURCE_FORMATS = ["JPEG", "PNG"]
    (media / "IMG_0003.heic").write_bytes(heic(64, 48))
    response = Client().get("/t/" + signed_path("IMG_0003.heic", "32x32", "crop", "jpg"))
    assert response.status_code == 422
    assert b"source is not a supported image" in response.content
    assert b"heif extra" not in response.content
