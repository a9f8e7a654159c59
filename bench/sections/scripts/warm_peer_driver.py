"""Generate the warm set with one peer's Python API; run with that peer's venv.

    python warm_peer_driver.py LIB MEDIA_DIR SIZES...

The peer's own defaults (sorl's cached_db key-value store, easy-thumbnails'
database records), as a site would run its own pre-generation loop. Prints one
JSON line: thumbnails made and seconds.
"""

import json
import sys
import time
from pathlib import Path


def configure(lib: str, media: Path) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-warm",  # noqa: S106 (a throwaway benchmark key)
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "sorl.thumbnail" if lib == "sorl" else "easy_thumbnails",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        MEDIA_ROOT=str(media),
        MEDIA_URL="/media/",
        USE_TZ=True,
        THUMBNAIL_QUALITY=85,
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, run_syncdb=True)


def main() -> None:
    lib, media, sizes = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    configure(lib, media)
    names = sorted(p.relative_to(media).as_posix() for p in media.rglob("*.jpg"))
    boxes = [tuple(int(side) for side in size.split("x")) for size in sizes]
    started = time.perf_counter()
    made = 0
    if lib == "sorl":
        from sorl.thumbnail import get_thumbnail

        for name in names:
            for size in sizes:
                get_thumbnail(name, size, crop="center", format="JPEG", quality=85)
                made += 1
    else:
        from easy_thumbnails.files import get_thumbnailer

        for name in names:
            for box in boxes:
                get_thumbnailer(name).get_thumbnail({"size": box, "crop": True, "quality": 85})
                made += 1
    print(json.dumps({"thumbnails": made, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
