"""Why a target can be missed: the reasons found when the suite was built.

Keyed by the target's name before its first comma or parenthesis; the report
quotes the reason only when that target is missed in the run.
"""

MISSES: dict[str, str] = {
    "engine": (
        "JPEG: our path is at the decoder's floor (the DCT-scaled decode is 85-90% of the "
        "time; resize and encode of a 200x200 are ~5 ms); where libvips is ahead it is on "
        "the larger 800-wide output, whose resize and encode libvips "
        "spreads over both cores while Pillow uses one. PNG: neither library can decode a "
        "PNG shrunk, both spend the time in zlib. WebP: Pillow cannot decode WebP shrunk "
        "and libvips can (libwebp's scaled decode): the optional vips engine closes that "
        "gap (column ours-vips). GIF: LZW decoding cannot be shrunk either; libvips' "
        "decoder is faster for the larger outputs, Pillow's for 200x200, and the vips "
        "engine takes the GIF path. On a machine shared with other jobs single cases swing by "
        "20-30% between rounds, so a worst case a little over 1.1x is within the noise."
    ),
    "miss path time vs in-process engine": (
        "The HTTP path adds reading the source from disk, the SQLite lock, handing the source "
        "to the render process and the thumbnail back (see the isolation table), writing the "
        "file atomically and gunicorn's request handling to the render; with one worker and "
        "two connections the load generator shares the 2 cores with the worker."
    ),
    "miss path req/s vs thumbor": (
        "thumbor crops before it resizes, so it always decodes the JPEG at full size; we "
        "decode at 1/8 (DCT scaling)."
    ),
    "peak RSS per process": (
        "The render process reads the source from the descriptor it is handed (never a copy "
        "in memory) and decodes a large JPEG at 1/8; the gunicorn worker never decodes. What "
        "remains is the interpreter, Django (worker) or Pillow (render process) before any "
        "image work."
    ),
    "concurrent distinct misses vs cores x in-process engine": (
        "Two in-process engine loops at once (two processes, no HTTP) already render only "
        "0.95x twice one loop's rate for JPEG 12 MP here (27.7 + 27.3 against 28.8 a "
        "second alone, 2026-12-07): the two cores share a cache and a memory bus. Beyond "
        "that, each miss costs the gunicorn worker 2.5 to 2.8 ms of CPU (HTTP, signature, "
        "file lock, failure memory, handing over the source's descriptor, the response; "
        "one connection, read from /proc/<pid>/stat, 2026-12-07) and its render process a "
        "little more than the same render in-process (the job, writing the temp file, the "
        "answer; the fsync and rename run on its second thread); py-spy puts "
        "87% of a render process's samples in the JPEG decode. The load generator and the "
        "PSS sampler run on the same 2 cores."
    ),
    "peak PSS vs imgproxy": (
        "Within a few MB of it; what is left is interpreters, not images. imgproxy is one "
        "Go process (about 36 MB idle with libvips). Ours idles at 51 to 53 MB in five "
        "Python processes: serve's master "
        "and its HTTP worker (gunicorn and the lean route; Django's request cycle is not "
        "loaded; their shared pages counted once, about 32 MB) and the render pool's "
        "supervisor and two render processes (Python, Pillow and the plugins of the "
        "configured formats, about 21 MB). Under load each copies the shared pages it "
        "touches (CPython 3.11 writes every object's reference count), and each render "
        "process holds its decoded image: a 12 MP JPEG decoded at 1/4 is 3 MB. Where the "
        "image dominates (24 MP, the 800 px output, PNG) our peak is well under imgproxy's."
    ),
    "warm 100-thumbnail page vs sorl-thumbnail": (
        "Built thumbnails are memoised per process and the HMAC key is derived once per "
        "secret; what remains is the template engine's own cost per tag. sorl-thumbnail's "
        "warm page here reads its local-memory cache, its most favourable setting (with "
        "Redis or memcached each thumbnail is a network round trip)."
    ),
    "hit path": (
        "nginx serves each thumbnail through try_files from a longer URI, and 200 different "
        "files instead of one; open_file_cache (in the shipped config and the benchmark's) "
        "keeps the two within noise of each other."
    ),
    "faces miss within 1.5x of crop": (
        "The detector itself costs about 7 ms (OpenCV's Haar cascade on a 160 px grey copy, "
        "one thread) and the larger decode it needs about 2 ms more. This source, the "
        "astronaut enlarged to 12 MP, is smooth and decodes in about 15 ms, so those 9 ms "
        "weigh 1.6x here; on the photographic 12 MP JPEG of the other sections (crop "
        "35 ms) the same render with faces measured 1.37x, 2026-12-07."
    ),
    "warm --workers 2 vs --workers 1": (
        "Two engine loops at once already reach only 0.95x twice one loop's rate here (the "
        "2 cores share a cache and a memory bus), and warm's own process needs the cores "
        "too: per thumbnail it checks existence, takes and releases the file lock, reads "
        "the failure memory and hands the source's descriptor to a render process, about "
        "0.55 ms of CPU with the kernel's (getrusage around warm(), 2026-12-07), 7% of a "
        "1024x768 render. With --workers 1 that work has the second core to itself; with "
        "--workers 2 it takes time from the renders. The fsync of each thumbnail no longer "
        "idles a core (the render process's second thread does it while the first renders "
        "the next job): alternating runs here went from 124.7 and 220.9 thumbnails/s "
        "(1.77x) to 131.0 and 237.0 (1.81x), and single runs range from 1.70x to 1.85x."
    ),
}
