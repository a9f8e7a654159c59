"""HEIF/HEIC sources (what phones save), decoded through Pillow by the `heif` extra.

`pip install 'restthumbnails[heif]'` adds pi-heif: libheif with the libde265
HEVC decoder in its wheel (both LGPL), and no encoder. Its sibling build,
pillow-heif, also bundles the x265 encoder, which is GPL: a server that only
reads HEIF has no use for it, and whoever ships it takes on its licence.

Without the extra a HEIF source is still recognised, from its `ftyp` box, so
that the 422 names the extra rather than calling the file unsupported.
"""

import functools

EXTRA_HINT = "pip install 'restthumbnails[heif]'"
# Brands of HEVC-coded HEIF (ISO/IEC 23008-12); AVIF, the same container with
# AV1 inside, lists none of them.
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})


@functools.cache
def register() -> None:
    """Register pi-heif's opener with Pillow, where the `heif` extra is installed
    (options.HEIF_DECODES tells the request side so without loading Pillow).

    Called when the first HEIF source arrives (render/engine.py), not at import:
    libheif and its HEVC decoder then live only in the processes that decode one,
    about 2 MB that a render process of a site without HEIF sources never holds.

    Only the primary image is ever decoded: thumbnails, depth maps and other
    auxiliary images are not even listed. One decoding thread, as everything
    else in a render process: the pool runs one render per core, and the
    process's CPU limit counts every thread.
    """
    try:
        import pi_heif
    except ImportError:
        return  # a site may have registered pillow-heif with Pillow itself
    pi_heif.register_heif_opener(
        thumbnails=False, depth_images=False, aux_images=False, decode_threads=1
    )


def in_heif_container(prefix: bytes) -> bool:
    """Whether these first bytes start an ISO base media file (an `ftyp` box first), the
    container of HEIF and AVIF: the sources for which pi-heif's opener is registered."""
    return prefix[4:8] == b"ftyp"


def looks_like_heif(prefix: bytes) -> bool:
    """Whether these first bytes open an HEVC-coded HEIF file (its `ftyp` box names a brand)."""
    if len(prefix) < 16 or prefix[4:8] != b"ftyp":
        return False
    size = int.from_bytes(prefix[:4], "big")
    box = prefix[8 : max(16, min(size, len(prefix)))]
    # The major brand, the minor version (skipped), then the compatible brands.
    brands = [box[0:4], *(box[i : i + 4] for i in range(8, len(box) - 3, 4))]
    return any(brand in _HEVC_BRANDS for brand in brands)
