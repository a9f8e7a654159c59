"""Signing vectors: the same numbers are in docs/signing.md for other languages."""

import hashlib
import hmac

import pytest

from restthumbnails.core.signing import SALT, sign, verify
from restthumbnails.core.spec import make_spec
from restthumbnails.exceptions import BadSignature

VECTORS = [
    (
        ("animals/kitten.jpg", "100x100", "crop", "jpg"),
        "5eaa0a8ce0155ef3207290c0145dad8485189f733120ca5f489e1055146ad28e",
    ),
    (
        ("photos 2026/café crème.jpg", "x300", "smart", "webp"),
        "a1d78ade081faf1d0c6f4fc7b6abc4e6ecfc110049e94c2b7dff51b8966b53a8",
    ),
    (
        ("a.png", "640x", "scale", "png"),
        "2cb303f2e30d9477c1519fe46cf82ed8f6510b92a430f5d5547a6b293b88325f",
    ),
    (
        ("animals/kitten.jpg", "300x200", "focus-30-70", "webp"),
        "e9a031fe6acb370a20441dc097d556e4bebfb483630e6292dda97e5715aeb1dd",
    ),
    (
        ("team/portrait.jpg", "64x64", "faces", "jpg"),
        "7502d143398540b4079087c6d9e6902d00845f66845778aca8765e947ea51874",
    ),
]


@pytest.mark.parametrize(("parts", "expected"), VECTORS)
def test_documented_vectors(parts: tuple[str, str, str, str], expected: str) -> None:
    assert sign(make_spec(*parts), key="example-key") == expected


@pytest.mark.parametrize(("parts", "expected"), VECTORS)
def test_algorithm_as_documented_with_plain_hmac(parts: tuple, expected: str) -> None:
    hmac_key = hashlib.sha256((SALT + "example-key").encode()).digest()
    message = "\0".join(parts).encode()
    assert hmac.new(hmac_key, message, hashlib.sha256).hexdigest() == expected


def test_every_part_changes_the_signature() -> None:
    base = ("a/b.jpg", "100x100", "crop", "jpg")
    variants = [
        ("a/c.jpg", "100x100", "crop", "jpg"),
        ("a/b.jpg", "100x101", "crop", "jpg"),
        ("a/b.jpg", "100x100", "smart", "jpg"),
        ("a/b.jpg", "100x100", "crop", "jpeg"),
    ]
    signatures = {sign(make_spec(*parts), key="k") for parts in [base, *variants]}
    assert len(signatures) == 5


def test_rotation_accepts_fallback_keys_and_rejects_others() -> None:
    spec = make_spec("a.jpg", "100x100", "crop", "jpg")
    old = sign(spec, key="old-key")
    verify(spec, old, key="new-key", fallback_keys=["older-key", "old-key"])
    with pytest.raises(BadSignature):
        verify(spec, old, key="new-key")
    with pytest.raises(BadSignature):
        verify(spec, sign(spec, key="stranger"), key="new-key", fallback_keys=["old-key"])
