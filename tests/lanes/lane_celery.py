"""`pip install 'restthumbnails[celery]'`, configured as docs/celery.md says: a Redis
broker (a real redis-server started here), a real worker; a saved model's thumbnails
are rendered by the worker."""

import textwrap
import time

from kit import (
    BIN,
    LANE_DIR,
    DjangoSite,
    check,
    clean_env,
    free_port,
    main,
    program,
    start,
    step,
    wait,
    wait_for_port,
    write_image,
)


def lane() -> None:
    redis_server = program("redis-server", "redis-server")
    port = free_port()
    data = LANE_DIR / "redis"
    data.mkdir()
    start(
        "redis",
        [
            redis_server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            data,
        ],
    )
    wait_for_port(port)

    step("a project with a model, docs/celery.md's settings and the usual Celery app")
    site = DjangoSite(
        LANE_DIR / "site",
        apps=("shop",),
        settings=f"""
        REST_THUMBNAILS_PRESETS = {{"card": ("400x300", "crop", "webp"),
                                   "zoom": ("1600x", "scale", "jpg")}}
        REST_THUMBNAILS_WARM_ON_SAVE = {{"shop.Product.photo": ["card", "zoom"]}}
        CELERY_BROKER_URL = "redis://127.0.0.1:{port}/0"
        # The lock shared by the site and the worker, on the same Redis.
        CACHES = {{"default": {{"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": "redis://127.0.0.1:{port}/1"}}}}
    """,
    )
    shop = site.root / "shop"
    (shop / "migrations").mkdir(parents=True)
    (shop / "__init__.py").write_text("")
    (shop / "migrations" / "__init__.py").write_text("")
    (shop / "models.py").write_text(
        textwrap.dedent("""
        from django.db import models


        class Product(models.Model):
            photo = models.ImageField(upload_to="products")
    """)
    )
    (site.root / "lanesite" / "celery.py").write_text(
        textwrap.dedent("""
        import os

        from celery import Celery

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lanesite.settings")
        app = Celery("lanesite")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.autodiscover_tasks()
    """)
    )
    (site.root / "lanesite" / "__init__.py").write_text(
        "from .celery import app as celery_app\n\n__all__ = ('celery_app',)\n"
    )
    site.manage("makemigrations", "shop")
    site.manage("migrate", "--verbosity", "0")
    site.manage("check")

    step("a worker: celery -A lanesite worker")
    worker = start(
        "worker",
        [
            BIN / "celery",
            "-A",
            "lanesite",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=site.root,
        env=clean_env(PYTHONPATH=str(site.root)),
    )
    worker.wait_for(r"ready\.", timeout=90)

    step("save a product with a photo: the worker renders both presets")
    photo = write_image(LANE_DIR / "upload.jpg", 2000, 1500)
    name = site.shell(f"""
        from django.core.files import File
        from shop.models import Product
        with open({str(photo)!r}, "rb") as upload:
            product = Product()
            product.photo.save("photo.jpg", File(upload))
        print(product.photo.name)
    """)
    check(name.startswith("products/"), f"the saved name is {name!r}")
    thumbnails = site.media / "thumbnails" / name
    began = time.monotonic()

    def rendered() -> list[str]:
        return sorted(str(p.relative_to(thumbnails).parent) for p in thumbnails.rglob("*.*"))

    wait(
        lambda: len(rendered()) == 2,
        60,
        f"the worker's two thumbnails under {thumbnails}:\n{worker.output()}",
    )
    check(rendered() == ["1600x/scale", "400x300/crop"], f"rendered {rendered()}")
    check("generated" in worker.output(), "the worker logged no `generated` line")
    print(f"-- warmed in {time.monotonic() - began:.1f} s after the save")


main(lane)
