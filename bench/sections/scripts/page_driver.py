"""Render one page of 100 thumbnails with one library; run with that library's venv.

    python page_driver.py LIB SOURCES_DIR WORK_DIR WARM_REPS

Prints one JSON line: time, database queries, storage calls and image
decodes of the cold page (nothing generated yet) and of a warm page.
"""

import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from libs import LIBS

COUNTS = {"storage": 0, "queries": 0, "decodes": 0}
STORAGE_METHODS = (
    "open",
    "save",
    "exists",
    "size",
    "url",
    "path",
    "delete",
    "listdir",
    "get_modified_time",
    "get_created_time",
    "get_accessed_time",
)


def counting_storage_class() -> type:
    """FileSystemStorage counting the calls a caller makes (not its internal ones)."""
    from django.core.files.storage import FileSystemStorage

    depth = {"value": 0}

    def wrap(method):
        def counted(self, *args, **kwargs):
            if depth["value"] == 0:
                COUNTS["storage"] += 1
            depth["value"] += 1
            try:
                return method(self, *args, **kwargs)
            finally:
                depth["value"] -= 1

        return counted

    namespace = {name: wrap(getattr(FileSystemStorage, name)) for name in STORAGE_METHODS}
    return type("CountingStorage", (FileSystemStorage,), namespace)


def count_decodes() -> None:
    from PIL import Image

    original = Image.open

    def counted(*args: Any, **kwargs: Any) -> Any:
        COUNTS["decodes"] += 1
        return original(*args, **kwargs)

    Image.open = counted


def configure(lib: str, media: Path) -> None:
    import django
    from django.conf import settings

    spec = LIBS[lib]
    sys.modules["bench_storage"] = type(sys)("bench_storage")
    sys.modules["bench_storage"].CountingStorage = counting_storage_class()
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-page-render",  # noqa: S106 (a throwaway benchmark key)
        INSTALLED_APPS=["django.contrib.contenttypes", *spec["apps"]],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        STORAGES={
            "default": {"BACKEND": "bench_storage.CountingStorage"},
            "staticfiles": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        },
        MEDIA_ROOT=str(media),
        MEDIA_URL="/media/",
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
        USE_TZ=True,
        **spec["settings"],
    )
    django.setup()
    if spec["migrate"]:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, run_syncdb=True)


def count_queries() -> None:
    from django.db import connection

    def wrapper(execute, sql, params, many, context):
        COUNTS["queries"] += 1
        return execute(sql, params, many, context)

    connection.execute_wrappers.append(wrapper)


def render_once(template: Any, sources: list[str]) -> dict[str, float]:
    for key in COUNTS:
        COUNTS[key] = 0
    started = time.perf_counter()
    html = template.render({"sources": sources})
    elapsed = (time.perf_counter() - started) * 1000
    if html.count("<img") != len(sources):
        raise SystemExit(f"page has {html.count('<img')} images, expected {len(sources)}")
    return {"ms": elapsed, **{key: float(value) for key, value in COUNTS.items()}}


def main() -> None:
    lib, sources_dir, work, reps = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    media = work / f"media-{lib}"
    shutil.rmtree(media, ignore_errors=True)
    shutil.copytree(sources_dir, media / "page")  # fresh: nothing generated yet
    sources = sorted(f"page/{path.name}" for path in (media / "page").glob("*.jpg"))
    configure(lib, media)
    count_decodes()
    count_queries()
    from django.template import engines

    template = engines["django"].from_string(LIBS[lib]["template"])
    cold = render_once(template, sources)
    warm_runs = [render_once(template, sources) for _ in range(int(reps) + 1)][1:]
    warm = warm_runs[-1] | {"ms": statistics.median(run["ms"] for run in warm_runs)}
    print(json.dumps({"cold": cold, "warm": warm}))


if __name__ == "__main__":
    main()
