"""Property tests of the URL parser and signer, and a mutation run over image files
through the real request path (the Django view, test client): no 500, no traceback,
no slow answer, nothing written outside the thumbnail folder.
"""

import contextlib
import io
import logging
import random
import time
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from restthumbnails.core.formats import EXTENSIONS
from restthumbnails.core.method import METHODS
from restthumbnails.core.signing import sign
from restthumbnails.core.spec import ThumbnailSpec, parse_path
from restthumbnails.exceptions import InvalidSpec

from .support.images import encode, picture

SEGMENT_CHARS = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\\x7f")
segment = st.text(SEGMENT_CHARS, min_size=1, max_size=20).filter(lambda s: s not in (".", ".."))
source = (
    st.lists(segment, min_size=1, max_size=5)
    .map("/".join)
    .filter(lambda s: len(s.encode()) <= 1024)
)
side = st.integers(min_value=1, max_value=4096)
sizes = st.one_of(st.tuples(side, side), st.tuples(side, st.none()), st.tuples(st.none(), side))
specs = st.builds(
    lambda src, size, method, ext: ThumbnailSpec(src, size[0], size[1], method, ext),
    source,
    sizes,
    st.sampled_from(sorted(METHODS)),
    st.sampled_from(sorted(EXTENSIONS)),
)


@settings(max_examples=300, deadline=None)
@given(specs)
def test_parse_of_build_is_identity(spec: ThumbnailSpec) -> None:
    signature = sign(spec, key="k")
    assert parse_path(spec.name(signature)) == (spec, signature)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_string_parses_or_raises_the_parsers_own_error(text: str) -> None:
    # Anything but InvalidSpec escaping here fails the test.
    with contextlib.suppress(InvalidSpec):
        parse_path(text)


@settings(max_examples=200, deadline=None)
@given(specs, specs)
def test_signatures_differ_when_any_part_differs(a: ThumbnailSpec, b: ThumbnailSpec) -> None:
    if a != b:
        assert sign(a, key="k") != sign(b, key="k")
    else:
        assert sign(a, key="k") == sign(b, key="k")


# Mutation run -------------------------------------------------------------------

MUTATION_CASES = 2400
SLOW_ANSWER_SECONDS = 5


def _seeds() -> dict[str, bytes]:
    image = picture(64, 48)
    animated = io.BytesIO()
    frames = [picture(32, 24), picture(24, 32).resize((32, 24))]
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:])
    return {
        "jpeg": encode(image, "JPEG", quality=80),
        "progressive": encode(image, "JPEG", progressive=True),
        "png": encode(image.convert("RGBA"), "PNG"),
        "gif": encode(image.convert("P"), "GIF"),
        "animated": animated.getvalue(),
        "webp": encode(image, "WEBP"),
    }


def _mutations(seeds: dict[str, bytes], count: int) -> list[bytes]:
    rng = random.Random(20261126)
    names = sorted(seeds)
    cases = []
    for n in range(count):
        data = bytearray(seeds[names[n % len(names)]])
        kind = n % 4
        if kind == 0:  # bit flips
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif kind == 1:  # truncation
            data = data[: rng.randrange(len(data))]
        elif kind == 2:  # header of one format spliced onto another's body
            other = seeds[rng.choice(names)]
            cut = rng.randrange(1, 64)
            data = bytearray(other[:cut]) + data[cut:]
        else:  # overwrite a run of bytes in the header region (sizes, chunk lengths)
            start = rng.randrange(min(len(data), 200))
            for i in range(start, min(len(data), start + rng.randint(1, 8))):
                data[i] = rng.choice((0x00, 0xFF, 0x7F, 0x80, rng.randrange(256)))
        cases.append(bytes(data))
    return cases


@pytest.mark.parametrize("engine_name", ["pillow", "vips"])
def test_mutated_images_never_break_the_request_path(
    media: Path,
    thumbs: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    settings,
    engine_name: str,
) -> None:
    settings.REST_THUMBNAILS_ENGINE = engine_name
    caplog.set_level(logging.INFO)
    client = Client(raise_request_exception=True)  # any exception fails the test
    statuses: Counter[int] = Counter()
    slowest = 0.0
    outside_before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(thumbs)}
    formats = ("jpg", "png", "webp", "gif")
    for n, data in enumerate(_mutations(_seeds(), MUTATION_CASES)):
        name = f"case{n}.img"
        (media / name).write_bytes(data)
        spec = ThumbnailSpec(name, 40, 30, ("crop", "scale", "smart")[n % 3], formats[n % 4])
        started = time.perf_counter()
        response = client.get("/t/" + spec.name(sign(spec, key=settings.SECRET_KEY)))
        slowest = max(slowest, time.perf_counter() - started)
        statuses[response.status_code] += 1
        assert response.status_code in (200, 422), (n, response.status_code)
        if response.status_code == 200:
            rendered = Image.open(io.BytesIO(b"".join(response.streaming_content)))
            assert rendered.size[0] <= 40 and rendered.size[1] <= 30
    outside_after = {p for p in tmp_path.rglob("*") if not p.is_relative_to(thumbs)}
    written_outside = (
        outside_after - outside_before - {media / f"case{n}.img" for n in range(MUTATION_CASES)}
    )
    assert written_outside == set()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert slowest < SLOW_ANSWER_SECONDS
    assert sum(statuses.values()) == MUTATION_CASES
    # Both outcomes must occur, or the corpus is not exercising anything.
    assert statuses[200] > 100 and statuses[422] > 100
    print(f"\nmutation run: {dict(statuses)}, slowest answer {slowest * 1000:.0f} ms")
