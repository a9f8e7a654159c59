"""`pip install 'restthumbnails[s3]'`: serve, stats and a Django check on buckets of a
real S3 API server (moto's, started here on loopback from the test venv)."""

import os
import sys

from kit import (
    LANE_DIR,
    TOOLS_PYTHON,
    DjangoSite,
    check,
    clean_env,
    command,
    fetch_image,
    free_port,
    image_bytes,
    main,
    run,
    serve,
    signed_url,
    start,
    step,
    wait_for_port,
)


def lane() -> None:
    step("a moto S3 server on loopback, two buckets, one photo")
    port = free_port()
    check(TOOLS_PYTHON, "LANE_TOOLS_PYTHON (a python with moto[server]) is not set")
    start("moto", [TOOLS_PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)])
    wait_for_port(port)
    aws = {
        "AWS_ACCESS_KEY_ID": "lane",
        "AWS_SECRET_ACCESS_KEY": "lane-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}",
    }
    os.environ.update(aws)  # for clean_env(), so every command below sees the server
    run(
        sys.executable,
        "-c",
        f"""
import boto3
s3 = boto3.client("s3")
for bucket in ("lane-photos", "lane-thumbs"):
    s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket="lane-photos", Key="media/photo.jpg", Body={image_bytes()!r})
""",
        env=clean_env(),
    )

    step("serve s3://lane-photos/media, thumbnails into s3://lane-thumbs")
    server, base_url = serve("s3://lane-photos/media", "--thumbnails-dir", "s3://lane-thumbs")
    check(
        fetch_image(signed_url("photo.jpg", "120x90", "crop", "jpg", base_url)) == (120, 90),
        "serve from a bucket: the crop is not 120x90",
    )
    server.stop()
    stats = command(
        "stats", "s3://lane-photos/media", "--thumbnails-dir", "s3://lane-thumbs"
    ).stdout
    check("120x90" in stats, f"stats does not count the thumbnail in the bucket:\n{stats}")

    step("a Django site whose sources are a STORAGES alias on the bucket passes check")
    site = DjangoSite(
        LANE_DIR / "site",
        settings="""
        STORAGES = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            "photos": {"BACKEND": "storages.backends.s3.S3Storage",
                       "OPTIONS": {"bucket_name": "lane-photos", "location": "media"}},
        }
        REST_THUMBNAILS_SOURCE_STORAGE = "photos"
    """,
    )
    site.manage("check")
    url = site.shell("""
        from restthumbnails.api import thumbnail_url
        print(thumbnail_url("photo.jpg", "64x48", "crop", "jpg"))
    """)
    server, origin = site.runserver()
    check(fetch_image(origin + url) == (64, 48), "runserver from a bucket: not 64x48")


main(lane)
