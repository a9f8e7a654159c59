"""Animated sources stay animated as GIF, WebP and AVIF; JPEG and PNG take the first frame."""

import io
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from fixtures.hostile import apng_frame_bomb, webp_frame_bomb
from restthumbnails.core.spec import make_spec
from restthumbnails.exceptions import SourceRejected, SourceTooLarge
from restthumbnails.render import engine
from restthumbnails.render.animation import ANIMATED_EXTENSIONS, kept, source_loop
from restthumbnails.render.options import EngineOptions

from .support.animations import COLOURS, DURATIONS, Seen, animated_webp, close, gif, seen

OPTIONS = EngineOptions()


@pytest.fixture(params=["pillow", "vips"])
def render(request: pytest.FixtureRequest):
    if request.param == "vips":
        return pytest.importorskip("restthumbnails.render.vips_engine").render
    return engine.render


def thumbnail(render, data: bytes, size: str, ext: str, method: str = "crop") -> bytes:
    return render(data, make_spec("a", size, method, ext), OPTIONS)


def test_gif_webp_and_avif_animate_where_pillow_encodes_sequences() -> None:
    assert {"gif", "webp"} <= ANIMATED_EXTENSIONS
    assert not {"jpg", "jpeg", "png"} & ANIMATED_EXTENSIONS
    assert kept(5, "webp") and not kept(1, "webp") and not kept(5, "png")


@pytest.mark.parametrize("ext", sorted(ANIMATED_EXTENSIONS))
def test_every_frame_is_kept_with_its_duration_and_size(render, ext: str) -> None:
    out = seen(thumbnail(render, gif(), "120x60", ext))
    assert out.format == ext.upper().replace("JPG", "JPEG")
    assert out.sizes == [(120, 60)] * 5
    assert out.durations == DURATIONS
    # Each frame is its own source frame, in order, cut the same way: the square
    # at 25% of the 300x200 source lands at the same place in every frame.
    for index, frame in enumerate(out.frames):
        assert close(frame.getpixel((110, 5)), COLOURS[index]), index
        assert close(frame.getpixel((37, 30)), (10, 10, 10)), index


def test_gif_keeps_loop_count_and_disposal(render) -> None:
    out = seen(thumbnail(render, gif(loop=2, disposal=2), "120x80", "gif"))
    assert out.loop == 2
    assert out.disposals == [2] * 5
    once = seen(thumbnail(render, gif(loop=None, disposal=1), "120x80", "gif"))
    assert once.loop is None  # no NETSCAPE block: plays once, like the source
    assert once.disposals == [1] * 5


def test_loop_counts_are_translated_between_gif_and_webp(render) -> None:
    # A GIF counts repeats after the first play, WebP counts plays.
    assert seen(thumbnail(render, gif(loop=2), "120x80", "webp")).loop == 3
    assert seen(thumbnail(render, gif(loop=0), "120x80", "webp")).loop == 0
    assert seen(thumbnail(render, gif(loop=None), "120x80", "webp")).loop == 1
    assert seen(thumbnail(render, animated_webp(loop=3), "120x80", "gif")).loop == 2
    assert seen(thumbnail(render, animated_webp(loop=1), "120x80", "gif")).loop is None


def test_animated_webp_source_is_kept(render) -> None:
    for ext in ("webp", "gif"):
        out = seen(thumbnail(render, animated_webp(), "90x", ext, "scale"))
        assert out.sizes == [(90, 60)] * 5
        assert out.durations == DURATIONS
        assert [close(f.getpixel((85, 5)), c) for f, c in zip(out.frames, COLOURS, strict=True)]


@pytest.mark.parametrize("ext", ["jpg", "png"])
def test_still_formats_take_the_first_frame(render, ext: str) -> None:
    out = seen(thumbnail(render, gif(), "120x80", ext))
    assert out.sizes == [(120, 80)]
    assert close(out.frames[0].getpixel((110, 5)), COLOURS[0])


def test_webp_thumbnail_of_a_gif_is_smaller_than_the_gif_thumbnail(render) -> None:
    # Photographic frames, where GIF's 256 colours and LZW cost the most.
    source = io.BytesIO()
    base = Image.radial_gradient("L").resize((320, 240)).convert("RGB")
    noise = Image.effect_noise((320, 240), 40).convert("RGB")
    shots = [Image.blend(base.rotate(8 * i), noise, 0.3) for i in range(8)]
    shots[0].save(source, "GIF", save_all=True, append_images=shots[1:], duration=80, loop=0)
    as_gif = thumbnail(render, source.getvalue(), "200x150", "gif")
    as_webp = thumbnail(render, source.getvalue(), "200x150", "webp")
    assert len(seen(as_webp).frames) == len(seen(as_gif).frames) == 8
    assert len(as_webp) < len(as_gif)


def test_unchanged_regions_are_not_stored_again(render) -> None:
    # Five frames of one busy picture that differ only in a small corner cost little
    # more than that picture alone.
    shots = [Image.effect_noise((200, 200), 60).convert("RGB") for _ in range(1)] * 5
    shots = [shot.copy() for shot in shots]
    for index, shot in enumerate(shots):
        shot.paste(COLOURS[index], (0, 0, 20, 20))
    animated, still = io.BytesIO(), io.BytesIO()
    shots[0].save(animated, "GIF", save_all=True, append_images=shots[1:], duration=100)
    shots[0].save(still, "GIF")
    for ext in ("gif", "webp"):
        animation = thumbnail(render, animated.getvalue(), "100x100", ext)
        assert len(seen(animation).frames) == 5
        single = thumbnail(render, still.getvalue(), "100x100", ext)
        assert len(animation) < 1.5 * len(single), ext


def test_vips_engine_hands_kept_animations_to_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    vips_engine = pytest.importorskip("restthumbnails.render.vips_engine")
    assert vips_engine.decodes_with_vips("GIF", 5, "jpg")
    assert not vips_engine.decodes_with_vips("GIF", 5, "gif")
    assert not vips_engine.decodes_with_vips("WEBP", 5, "webp")
    decoded_by_vips = []
    real = vips_engine._decode_shrunk
    monkeypatch.setattr(
        vips_engine,
        "_decode_shrunk",
        lambda *a, **k: decoded_by_vips.append(1) or real(*a, **k),
    )
    assert (
        len(
            seen(vips_engine.render(gif(), make_spec("a", "60x40", "crop", "gif"), OPTIONS)).frames
        )
        == 5
    )
    assert decoded_by_vips == []  # Pillow decoded the animation
    vips_engine.render(gif(), make_spec("a", "60x40", "crop", "png"), OPTIONS)
    assert decoded_by_vips == [1]  # libvips decoded the first frame


def test_source_loop_counts_plays() -> None:
    def opened(data: bytes) -> Image.Image:
        return Image.open(io.BytesIO(data))

    assert source_loop(opened(gif(loop=None))) == 1
    assert source_loop(opened(gif(loop=0))) == 0
    assert source_loop(opened(gif(loop=4))) == 5
    assert source_loop(opened(animated_webp(loop=4))) == 4


def test_truncated_animation_is_refused(render) -> None:
    data = gif()
    with pytest.raises(SourceRejected, match="frame cannot be decoded"):
        thumbnail(render, data[: len(data) * 3 // 4], "60x40", "gif")


def test_upscaled_frames_may_not_exceed_the_pixel_limit(render) -> None:
    options = EngineOptions(upscale=True, max_source_pixels=1_000_000)
    with pytest.raises(SourceTooLarge, match="5 frames of 600x400"):
        render(gif(), make_spec("a", "600x400", "crop", "gif"), options)


# Through the HTTP path and the render pool (default settings), on both engines.


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
def test_animated_webp_of_a_gif_through_the_view(
    media: Path, signed_path, settings, engine_name: str
) -> None:
    settings.REST_THUMBNAILS_ENGINE = engine_name
    (media / "dance.gif").write_bytes(gif())
    client = Client()
    response = client.get("/t/" + signed_path("dance.gif", "120x60", "crop", "webp"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    out = seen(b"".join(response.streaming_content))
    assert (out.sizes, out.durations, out.loop) == ([(120, 60)] * 5, DURATIONS, 3)
    still = client.get("/t/" + signed_path("dance.gif", "120x60", "crop", "jpg"))
    assert seen(b"".join(still.streaming_content)).sizes == [(120, 60)]


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
def test_too_many_frames_is_422_before_decoding(
    media: Path, signed_path, settings, logs, engine_name: str
) -> None:
    settings.REST_THUMBNAILS_ENGINE = engine_name
    settings.REST_THUMBNAILS_MAX_SOURCE_FRAMES = 4
    (media / "long.gif").write_bytes(gif(5))
    response = Client().get("/t/" + signed_path("long.gif", "60x40", "crop", "gif"))
    assert response.status_code == 422
    assert b"over 4 frames" in response.content
    assert any("422 long.gif" in r.getMessage() for r in logs.records)


# Frame bombs in APNG and animated WebP: refused from the header, like a GIF's.


BOMBS = {
    # 5,000 one-pixel frames, each a few dozen bytes.
    "frames.png": lambda: apng_frame_bomb(5000),
    # Two frames in the file, 100,000 declared in acTL: the declaration is refused.
    "declared.png": lambda: apng_frame_bomb(2, declared=100_000),
    "frames.webp": lambda: webp_frame_bomb(5000),
}


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
@pytest.mark.parametrize("name", sorted(BOMBS))
def test_apng_and_webp_frame_bombs_are_422_from_the_header(
    media: Path, signed_path, settings, logs, engine_name: str, name: str
) -> None:
    # Input: the bomb, asked for as an animation (gif) and as a still (png). Answer: 422
    # "source has over 500 frames" both times: the frame count comes from the header
    # (acTL, ANMF chunks), before any frame is decoded, and a log line.
    settings.REST_THUMBNAILS_ENGINE = engine_name
    (media / name).write_bytes(BOMBS[name]())
    for ext in ("gif", "png"):
        response = Client().get("/t/" + signed_path(name, "60x40", "crop", ext))
        assert response.status_code == 422, ext
        assert response.content.startswith(b"source has over 500 frames"), response.content
    assert any(f"422 {name}" in r.getMessage() for r in logs.records)


def test_webp_frames_are_counted_before_pillow_opens_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pillow's WebP opener runs libwebp's demuxer over every frame and allocates the
    # canvas: a frame bomb must be refused before it. Input: the bomb, with Image.open
    # made to fail loudly. Answer: SourceTooLarge, Image.open never called.
    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("Image.open ran")

    monkeypatch.setattr(engine.Image, "open", no_open)
    with pytest.raises(SourceTooLarge, match="over 500 frames"):
        engine.open_counted(webp_frame_bomb(600), OPTIONS)


def test_apng_frames_come_from_actl() -> None:
    # Input: APNGs of 5 frames, and of 2 frames declaring 7. Answer: 5 and 7, the
    # acTL's number, read with the header (the render loop stops at the last real frame).
    assert engine.open_counted(apng_frame_bomb(5), OPTIONS)[1] == 5
    assert engine.open_counted(apng_frame_bomb(2, declared=7), OPTIONS)[1] == 7


# The encode budget: frames x output pixels x the encoder's cost, from the header.


def test_output_frames_weighs_avif_five_times_webp() -> None:
    # 5 frames of 120x60 = 36,000 pixels: WebP and GIF cost 36,000, AVIF 180,000.
    spec = {ext: make_spec("a", "120x60", "crop", ext) for ext in ("webp", "gif", "avif")}
    options = EngineOptions(max_animation_pixels=36_000)
    assert engine.output_frames((300, 200), 5, spec["webp"], options) == 5
    assert engine.output_frames((300, 200), 5, spec["gif"], options) == 5
    if "avif" in ANIMATED_EXTENSIONS:
        assert engine.output_frames((300, 200), 5, spec["avif"], options) == 1
        options = EngineOptions(max_animation_pixels=180_000)
        assert engine.output_frames((300, 200), 5, spec["avif"], options) == 5
    assert (
        engine.output_frames(
            (300, 200), 5, spec["webp"], EngineOptions(max_animation_pixels=35_999)
        )
        == 1
    )
    # A still output or a still source is one frame whatever the budget.
    assert (
        engine.output_frames((300, 200), 5, make_spec("a", "120x60", "crop", "jpg"), options) == 1
    )
    assert engine.output_frames((300, 200), 1, spec["webp"], options) == 1


def test_output_frames_counts_the_larger_orientation() -> None:
    # EXIF is not read before the budget: a 300x200 source fitted into 120x120 is
    # 120x80 one way and 80x120 the other; a width-only box gives 120x80 or 120x180.
    spec = make_spec("a", "120x", "scale", "webp")
    assert (
        engine.output_frames(
            (300, 200), 5, spec, EngineOptions(max_animation_pixels=5 * 120 * 180)
        )
        == 5
    )
    assert (
        engine.output_frames(
            (300, 200), 5, spec, EngineOptions(max_animation_pixels=5 * 120 * 180 - 1)
        )
        == 1
    )


def test_the_documented_avif_case_gets_its_first_frame_at_the_defaults() -> None:
    # 500 frames of 316x316 (50 MP, the source limit): 8.1 s of AVIF encoding before the
    # budget. As WebP and GIF it stays animated; as AVIF (5 x 50 MP) it is the first frame.
    for ext, frames in (("webp", 500), ("gif", 500), ("avif", 1)):
        if ext in ANIMATED_EXTENSIONS:
            spec = make_spec("a", "316x316", "crop", ext)
            assert engine.output_frames((316, 316), 500, spec, OPTIONS) == frames, ext


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
def test_an_animation_over_the_budget_is_its_first_frame_through_the_view(
    media: Path, signed_path, settings, engine_name: str
) -> None:
    # Input: the 5-frame GIF at 120x60 with MAX_ANIMATION_PIXELS = 100,000: 36,000 as
    # WebP, 180,000 as AVIF. Answer: an animated WebP of 5 frames; an AVIF of one
    # frame, the first (its colour); with a budget of 0, a still WebP.
    settings.REST_THUMBNAILS_ENGINE = engine_name
    settings.REST_THUMBNAILS_MAX_ANIMATION_PIXELS = 100_000
    (media / "dance.gif").write_bytes(gif())
    client = Client()

    def frames_of(ext: str) -> Seen:
        response = client.get("/t/" + signed_path("dance.gif", "120x60", "crop", ext))
        assert response.status_code == 200
        return seen(b"".join(response.streaming_content))

    assert len(frames_of("webp").frames) == 5
    if "avif" in ANIMATED_EXTENSIONS:
        still = frames_of("avif")
        assert still.sizes == [(120, 60)]
        assert close(still.frames[0].getpixel((110, 5)), COLOURS[0])
    settings.REST_THUMBNAILS_MAX_ANIMATION_PIXELS = 0
    (media / "dance2.gif").write_bytes(gif())
    response = client.get("/t/" + signed_path("dance2.gif", "120x60", "crop", "webp"))
    assert seen(b"".join(response.streaming_content)).sizes == [(120, 60)]


def test_max_animation_pixels_must_be_a_whole_number(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from restthumbnails.conf import get_settings

    settings.REST_THUMBNAILS_MAX_ANIMATION_PIXELS = -1
    with pytest.raises(ImproperlyConfigured, match="MAX_ANIMATION_PIXELS"):
        get_settings()
