"""Why a target can be missed: the reasons found when the suite was built.

Keyed by the target's name before its first comma or parenthesis; the report
quotes the reason only when that target is missed in the run.
"""

MISSES: dict[str, str] = {
    "engine": (
        "JPEG: our path is at the decoder's floor (the DCT-scaled decode is 85-90% of the "
        "time; resize and encode of a 200x200 are ~5 ms); where libvips is ahead it is on "
        "the larger 800-wide output, whose resize and progressive, optimised encode libvips "
        "spreads over both cores while Pillow uses one. PNG: neither library can decode a "
        "PNG shrunk, both spend the time in zlib. WebP: Pillow cannot decode WebP shrunk "
        "and libvips can (libwebp's scaled decode): the optional vips engine closes that "
        "gap (column ours-vips). GIF: LZW decoding cannot be shrunk either; libvips' "
        "decoder is faster for the larger outputs, Pillow's for 200x200, and the vips "
        "engine takes the GIF path. On a machine shared with other jobs single cases swing by "
        "20-30% between rounds, so a worst case a little over 1.1x is within the noise."
    ),
    "miss path time vs in-process engine": (
        "The HTTP path adds reading the source from disk, the SQLite lock, writing the file "
        "atomically and gunicorn's request handling to the render; with one worker and two "
        "connections the load generator shares the 2 cores with the worker."
    ),
    "miss path req/s vs thumbor": (
        "thumbor crops before it resizes, so it always decodes the JPEG at full size; we "
        "decode at 1/8 (DCT scaling)."
    ),
    "peak RSS per worker": (
        "The worker holds the whole source file in memory while it renders (the storage "
        "layer hands the engine bytes: 14 MB for this 50 MP JPEG), on top of ~45 MB of "
        "Django, Pillow and gunicorn; the decoded picture at 1/8 scale is only ~3 MB. "
        "Handing the engine an open file instead of bytes (Image.open takes a file) would "
        "take the source's size off the peak."
    ),
    "warm 100-thumbnail page vs sorl-thumbnail": (
        "About 60 us per thumbnail: the template tag itself, make_spec's validation, "
        "salted_hmac (which hashes salt + key again on every call before the HMAC) and "
        "filepath_to_uri. sorl-thumbnail's warm page here reads its local-memory cache, its "
        "most favourable setting (with Redis or memcached each thumbnail is a network round "
        "trip). Caching the derived HMAC key per secret would take the SHA-256 off every URL."
    ),
    "hit path": (
        "nginx serves a thumbnail from a longer URI than the static file; open_file_cache "
        "(in the benchmark's config) is what keeps the two close."
    ),
}
