import pytest

from restthumbnails.core.spec import ThumbnailSpec, make_spec, parse_path, parse_size
from restthumbnails.exceptions import InvalidSpec

from .support.methods import focal_point, focus_method, parse_method

SIG = "a" * 64


@pytest.mark.parametrize(
    ("size", "expected"),
    [("100x100", (100, 100)), ("1x4096", (1, 4096)), ("640x", (640, None)), ("x480", (None, 480))],
)
def test_canonical_sizes_parse(size: str, expected: tuple) -> None:
    assert parse_size(size) == expected


@pytest.mark.parametrize(
    "size",
    [
        "",
        "x",
        "100",
        "100X100",
        "0x100",
        "100x0",
        "0100x100",
        "+100x100",
        "-1x100",
        "100x100x",
        " 100x100",
        "100 x100",
        "4097x100",
        "100x4097",
        "1e3x100",
        "\uff11\uff10\uff10x100",  # full-width digits
        "99999999999x1",
    ],
)
def test_non_canonical_or_out_of_range_sizes_are_rejected(size: str) -> None:
    with pytest.raises(InvalidSpec):
        parse_size(size)


def test_max_dimension_is_a_parameter() -> None:
    assert parse_size("5000x", max_dimension=8000) == (5000, None)
    with pytest.raises(InvalidSpec, match="larger than 100"):
        parse_size("101x", max_dimension=100)


def test_parse_path_round_trips_to_the_same_name() -> None:
    path = f"photos 2026/café crème.jpg/200x/scale/{SIG}.webp"
    spec, signature = parse_path(path)
    assert spec == ThumbnailSpec("photos 2026/café crème.jpg", 200, None, "scale", "webp")
    assert signature == SIG
    assert spec.name(signature) == path


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (f"../etc/passwd/100x100/crop/{SIG}.jpg", "segment"),
        (f"a/../b.jpg/100x100/crop/{SIG}.jpg", "segment"),
        (f"a/./b.jpg/100x100/crop/{SIG}.jpg", "segment"),
        (f"a//b.jpg/100x100/crop/{SIG}.jpg", "segment"),
        (f"/etc/passwd/100x100/crop/{SIG}.jpg", "absolute"),
        (f"a\x00b.jpg/100x100/crop/{SIG}.jpg", "control"),
        (f"a\nb.jpg/100x100/crop/{SIG}.jpg", "control"),
        (f"a\\..\\b.jpg/100x100/crop/{SIG}.jpg", "backslash"),
        ("x" * 1025 + f"/100x100/crop/{SIG}.jpg", "1024"),
        (f"a.jpg/100x100/stretch/{SIG}.jpg", "method"),
        (f"a.jpg/100x100/crop/{SIG}.bmp", "extension"),
        (f"a.jpg/100x100/crop/{SIG}.JPG", "extension"),
        (f"a.jpg/100x100/crop/{SIG}", "extension"),
        ("a.jpg/100x100/crop/nothex.jpg", "signature"),
        (f"a.jpg/100x100/crop/{SIG.upper()}.jpg", "signature"),
        (f"100x100/crop/{SIG}.jpg", "path must be"),
        (f"a.jpg/100X100/crop/{SIG}.jpg", "size"),
    ],
)
def test_malformed_paths_say_why(path: str, reason: str) -> None:
    with pytest.raises(InvalidSpec, match=reason):
        parse_path(path)


def test_make_spec_accepts_ext_with_or_without_dot() -> None:
    assert make_spec("a.jpg", "10x10", "crop", ".png").ext == "png"
    assert make_spec("a.jpg", "10x10", "crop", "png").ext == "png"


@pytest.mark.parametrize(
    ("method", "point"),
    [
        ("focus-0-0", (0.0, 0.0)),
        ("focus-30-70", (0.30, 0.70)),
        ("focus-100-5", (1.0, 0.05)),
        ("crop", None),
        ("faces", None),
    ],
)
def test_focal_point_is_read_from_the_method(method: str, point: tuple | None) -> None:
    assert parse_method(method) == method
    assert focal_point(method) == point


@pytest.mark.parametrize(
    "method",
    [
        "focus-030-70",
        "focus-30-070",
        "focus-101-5",
        "focus-30",
        "focus-30-70-1",
        "focus--1-5",
        "Focus-30-70",
        "focus-30.5-70",
        "focus-+3-7",
        "focus-30-70 ",
        "focus",
        "face",
    ],
)
def test_only_the_canonical_focus_spelling_is_accepted(method: str) -> None:
    with pytest.raises(InvalidSpec, match="method"):
        parse_path(f"a.jpg/100x100/{method}/{'0' * 64}.jpg")


@pytest.mark.parametrize(
    ("point", "method"),
    [((0.30, 0.70), "focus-30-70"), ((0, 1), "focus-0-100"), ((0.004, 0.996), "focus-0-100")],
)
def test_focus_method_rounds_to_whole_percent(point: tuple, method: str) -> None:
    assert focus_method(*point) == method


@pytest.mark.parametrize("point", [(-0.1, 0.5), (0.5, 1.01), (float("nan"), 0.5), (True, 0.5)])
def test_focus_method_refuses_points_outside_the_picture(point: tuple) -> None:
    with pytest.raises(InvalidSpec, match="focal point"):
        focus_method(*point)
