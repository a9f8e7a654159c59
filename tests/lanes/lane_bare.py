"""`pip install restthumbnails`, nothing else: the first commands of most users work,
and every feature that needs an extra says, in one line, which `pip install` to run."""

import sys

from kit import (
    BIN,
    KEY,
    LANE_DIR,
    DjangoSite,
    check,
    command,
    fetch_image,
    main,
    refused_with_one_line,
    run,
    serve,
    signed_url,
    step,
    write_image,
)


def lane() -> None:
    step("the package, its URLs and its template tags import")
    run(
        sys.executable,
        "-c",
        "import restthumbnails, restthumbnails.urls, restthumbnails.templatetags.thumbnail",
    )

    images = LANE_DIR / "images"
    write_image(images / "photo.jpg")
    step("serve a folder, fetch a thumbnail over HTTP")
    server, base_url = serve(images)
    check(
        fetch_image(signed_url("photo.jpg", "200x150", "crop", "jpg", base_url)) == (200, 150),
        "serve: the crop is not 200x150",
    )
    server.stop()

    step("warm, stats and clean on the folder")
    command("warm", images, "--size", "64x64", "--secret-key", KEY)
    check(
        (LANE_DIR / "images-thumbnails" / "photo.jpg" / "64x64" / "crop").is_dir(),
        "warm wrote no 64x64 thumbnail",
    )
    stats = command("stats", images).stdout
    check("64x64" in stats, f"stats does not count the warmed thumbnail:\n{stats}")
    command("clean", images)

    step("a feature without its extra: exit 2, one line naming the pip install")
    refused_with_one_line(
        command("serve", "s3://lane-bucket", expect=None), "pip install 'restthumbnails[s3]'"
    )
    refused_with_one_line(
        command(
            "warm",
            "s3://lane-bucket",
            "--thumbnails-dir",
            LANE_DIR / "t",
            "--size",
            "8x8",
            expect=None,
        ),
        "pip install 'restthumbnails[s3]'",
    )
    refused_with_one_line(
        command("serve", images, "--cache-url", "redis://127.0.0.1:9/0", expect=None),
        "pip install 'restthumbnails[redis]'",
    )
    refused_with_one_line(
        command("serve", images, "--cache-url", "memcached://127.0.0.1:9", expect=None),
        "pip install 'restthumbnails[memcached]'",
    )
    refused_with_one_line(
        command("serve", images, "--engine", "vips", "--secret-key", KEY, expect=None),
        "pip install 'restthumbnails[vips]'",
    )
    refused_with_one_line(
        command(
            "warm", images, "--size", "8x8", "--method", "faces", "--secret-key", KEY, expect=None
        ),
        "pip install 'restthumbnails[faces]'",
    )
    for module, extra in (("tasks", "celery"), ("jinja2", "jinja2"), ("rest_framework", "drf")):
        done = run(sys.executable, "-c", f"import restthumbnails.{module}", expect=1)
        last = done.stderr.strip().splitlines()[-1]
        check(f"pip install 'restthumbnails[{extra}]'" in last, f"{module}: {last}")

    step("a Django project with the README's two lines: check, a tag, runserver")
    site = DjangoSite(LANE_DIR / "site")
    write_image(site.media / "photo.jpg")
    site.manage("check")
    url = site.shell("""
        from django.template import Context, Template
        print(Template('{% load thumbnail %}{% thumbnail "photo.jpg" "200x200" "crop" "jpg" %}')
              .render(Context()))
    """).strip()
    check(url.startswith("/thumbnails/photo.jpg/200x200/crop/"), f"the tag gave {url!r}")
    server, origin = site.runserver()
    check(fetch_image(origin + url) == (200, 200), "runserver: the crop is not 200x200")
    server.stop()

    step("Django settings that need an extra: a check error naming the pip install")
    s3 = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "b"}}
    checked = {
        "[s3]": "STORAGES = {'default': {'BACKEND': "
        "'django.core.files.storage.FileSystemStorage'}, 'staticfiles': {'BACKEND': "
        f"'django.contrib.staticfiles.storage.StaticFilesStorage'}}, 'photos': {s3!r}}}\n"
        "REST_THUMBNAILS_SOURCE_STORAGE = 'photos'\n",
        "[redis]": "CACHES = {'default': {'BACKEND': "
        "'django.core.cache.backends.redis.RedisCache', 'LOCATION': 'redis://127.0.0.1:9'}}\n",
        "[vips]": "REST_THUMBNAILS_ENGINE = 'vips'\n",
        "[celery]": "REST_THUMBNAILS_PRESETS = {'card': ('40x30', 'crop', 'jpg')}\n"
        "REST_THUMBNAILS_WARM_ON_SAVE = {'auth.User.username': ['card']}\n",
        "[faces]": "REST_THUMBNAILS_PRESETS = {'face': ('40x30', 'faces', 'jpg')}\n",
    }
    for index, (extra, lines) in enumerate(checked.items()):
        module = site.settings_variant(f"needs_{index}", lines)
        site.check_refuses(module, f"pip install 'restthumbnails{extra}")
    check(BIN.exists(), "the lane venv disappeared")


main(lane)
