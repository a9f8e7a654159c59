"""The header counters: exact on ordinary files, and stopping just past their limit on bombs."""

import io

from PIL import Image

from fixtures.hostile import (
    bmp_rle8,
    gif_frame_bomb,
    jpeg_scan_bomb,
    tiff_ifd_chain,
    webp_frame_bomb,
)
from restthumbnails.render.sourcecost import (
    bmp_is_run_length_encoded,
    count_gif_frames,
    count_jpeg_scans,
    count_tiff_pages,
    count_webp_frames,
    heif_decoded_pixels,
)

from .support.images import encode, picture


def frames_of(fmt: str, count: int) -> bytes:
    frames = [Image.new("RGB", (16, 16), (i * 9 % 256, 0, 0)) for i in range(count)]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def test_jpeg_scans_are_counted_exactly_and_an_exif_thumbnail_adds_none() -> None:
    baseline = encode(picture(64, 48), "JPEG")
    progressive = encode(picture(64, 48), "JPEG", progressive=True)
    exif = Image.Exif()
    exif[0x010F] = "camera"
    with_exif = encode(picture(64, 48), "JPEG", exif=exif)
    assert count_jpeg_scans(io.BytesIO(baseline), limit=100) == 1
    assert count_jpeg_scans(io.BytesIO(progressive), limit=100) == progressive.count(b"\xff\xda")
    assert count_jpeg_scans(io.BytesIO(with_exif), limit=100) == 1


def test_a_scan_bomb_counts_past_the_limit_and_leaves_the_stream_in_place() -> None:
    bomb = io.BytesIO(jpeg_scan_bomb(512, 512, scans=3000))
    assert count_jpeg_scans(bomb, limit=10_000) == 3000
    assert count_jpeg_scans(bomb, limit=100) > 100
    assert bomb.tell() == 0  # the decoder reads the stream from where it was


def test_gif_and_webp_frames_are_counted_exactly() -> None:
    assert count_gif_frames(io.BytesIO(frames_of("GIF", 7)), limit=500) == 7
    assert count_gif_frames(io.BytesIO(encode(picture(20, 20), "GIF")), limit=500) == 1
    assert count_webp_frames(io.BytesIO(frames_of("WEBP", 7)), limit=500) == 7
    assert count_webp_frames(io.BytesIO(encode(picture(20, 20), "WEBP")), limit=500) == 1


def test_a_gif_frame_bomb_stops_the_count_just_past_the_limit() -> None:
    bomb = gif_frame_bomb(100_000)
    assert count_gif_frames(io.BytesIO(bomb), limit=200_000) == 100_000
    assert count_gif_frames(io.BytesIO(bomb), limit=500) == 501


def test_tiff_pages_stop_past_the_limit_and_a_loop_ends_the_walk() -> None:
    assert count_tiff_pages(io.BytesIO(encode(picture(20, 20), "TIFF")), limit=10) == 1
    assert count_tiff_pages(io.BytesIO(tiff_ifd_chain(5000)), limit=100) == 101
    looped = bytearray(tiff_ifd_chain(2))
    looped[-4:] = (12).to_bytes(4, "little")  # the second IFD links back to the first
    assert count_tiff_pages(io.BytesIO(bytes(looped)), limit=100) == 2


def test_run_length_encoded_bmp_is_recognised() -> None:
    assert bmp_is_run_length_encoded(io.BytesIO(bmp_rle8(64, 32)))
    assert not bmp_is_run_length_encoded(io.BytesIO(encode(picture(64, 32), "BMP")))


def test_an_animated_webp_frame_bomb_stops_the_count_just_past_the_limit() -> None:
    # Input: 100,000 one-pixel ANMF chunks. Answer: counted to 501 with a limit of 500.
    bomb = webp_frame_bomb(100_000)
    assert count_webp_frames(io.BytesIO(bomb), limit=200_000) == 100_000
    assert count_webp_frames(io.BytesIO(bomb), limit=500) == 501


def test_heif_decoded_pixels_is_zero_for_files_without_image_properties() -> None:
    assert heif_decoded_pixels(io.BytesIO(encode(picture(20, 20), "PNG"))) == 0
    assert heif_decoded_pixels(io.BytesIO(b"\x00\x00\x00\x10ftypheic\x00\x00\x00\x00")) == 0
    # A box whose size runs past the file ends the walk; nothing is read past it.
    broken = b"\x00\x00\x00\x10ftypheic\x00\x00\x00\x00" + b"\x7f\xff\xff\xffmeta"
    assert heif_decoded_pixels(io.BytesIO(broken)) == 0


class _CountingReader(io.BytesIO):
    """Remembers how many bytes were read through it."""

    read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def _repeat_first_scan(jpeg: bytes, copies: int) -> bytes:
    scan, end = jpeg.index(b"\xff\xda"), jpeg.rindex(b"\xff\xd9")
    return jpeg[:end] + jpeg[scan:end] * copies + jpeg[end:]


def test_a_single_scan_baseline_jpeg_is_one_scan_without_reading_past_its_header() -> None:
    # libjpeg decodes such a file from its first scan and refuses a second, so
    # repeated scans after it cost nothing, and the file is not read twice.
    repeated = _repeat_first_scan(encode(picture(256, 256), "JPEG"), 300)
    stream = _CountingReader(repeated)
    assert count_jpeg_scans(stream, limit=100) == 1
    assert stream.read_bytes < 1_000 < len(repeated)
    assert stream.tell() == 0


def test_a_sequential_jpeg_with_one_component_per_scan_counts_every_scan() -> None:
    # Non-interleaved: libjpeg takes in every scan before the first row, so
    # repeats cost a pass each and must be counted like a progressive file's.
    jpeg = encode(picture(64, 48), "JPEG")
    scan = jpeg.index(b"\xff\xda")
    length = int.from_bytes(jpeg[scan + 2 : scan + 4], "big")
    component = jpeg[scan + 5 : scan + 7]  # id and tables of the first component
    one_component = b"\xff\xda\x00\x08\x01" + component + b"\x00\x3f\x00"
    crafted = jpeg[:scan] + one_component + jpeg[scan + 2 + length :]
    repeated = _repeat_first_scan(crafted, 150)
    assert count_jpeg_scans(io.BytesIO(repeated), limit=1_000) == 151
    assert count_jpeg_scans(io.BytesIO(repeated), limit=100) > 100
