"""HMAC signatures over a thumbnail spec. Keys are passed in, never read here.

Algorithm (so that any language can sign; see docs/signing.md for vectors):

    message = source + "\\0" + size + "\\0" + method + "\\0" + ext   (UTF-8)
    hmac_key = SHA256("restthumbnails.signing.v1" + secret_key)
    signature = lowercase hex of HMAC-SHA256(hmac_key, message)

This is Django's `salted_hmac(SALT, message, secret_key, algorithm="sha256")`.
NUL cannot appear in any part (the parser rejects control characters), so the
separator is unambiguous.
"""

import functools
import hashlib
import hmac
from collections.abc import Iterable

from ..exceptions import BadSignature
from .spec import ThumbnailSpec

SALT = "restthumbnails.signing.v1"


def _bytes(value: str | bytes) -> bytes:
    # What Django's force_bytes does for the two types a key can be.
    return value if isinstance(value, bytes) else value.encode("utf-8")


def signing_message(spec: ThumbnailSpec) -> str:
    return "\0".join((spec.source, spec.size, str(spec.method), spec.ext))


@functools.lru_cache(maxsize=16)
def _keyed_hmac(key: str | bytes) -> "hmac.HMAC":
    # salted_hmac() derives the HMAC key from salt + secret on every call; a page
    # of 100 thumbnails signs 100 times with one secret, so derive it once.
    derived = hashlib.sha256(_bytes(SALT) + _bytes(key)).digest()
    return hmac.new(derived, digestmod=hashlib.sha256)


def sign(spec: ThumbnailSpec, *, key: str | bytes) -> str:
    """The same value as Django's salted_hmac(SALT, message, key, algorithm="sha256")."""
    mac = _keyed_hmac(key).copy()
    mac.update(signing_message(spec).encode("utf-8"))
    return mac.hexdigest()


def verify(
    spec: ThumbnailSpec,
    signature: str,
    *,
    key: str | bytes,
    fallback_keys: Iterable[str | bytes] = (),
) -> None:
    """Raise BadSignature unless `signature` was made by `key` or a fallback key.

    Every key is tried, even after a match, so timing does not tell which key
    (or whether any key) matched.
    """
    matched = False
    for candidate in (key, *fallback_keys):
        matched |= hmac.compare_digest(_bytes(sign(spec, key=candidate)), _bytes(signature))
    if not matched:
        raise BadSignature("signature does not match")
