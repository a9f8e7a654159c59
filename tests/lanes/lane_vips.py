"""`pip install 'restthumbnails[vips]'`: ENGINE vips renders, from serve and from Django."""

from kit import (
    LANE_DIR,
    DjangoSite,
    check,
    fetch_image,
    main,
    serve,
    signed_url,
    step,
    write_image,
)


def lane() -> None:
    images = LANE_DIR / "images"
    write_image(images / "photo.png", fmt="PNG")
    step("serve --engine vips: a PNG source to a WebP thumbnail")
    server, base_url = serve(images, "--engine", "vips")
    check(
        fetch_image(signed_url("photo.png", "160x", "scale", "webp", base_url)) == (160, 120),
        "vips: the scaled WebP is not 160x120",
    )
    server.stop()
    check("Traceback" not in server.output(), server.output())

    step("a Django site with REST_THUMBNAILS_ENGINE = 'vips'")
    site = DjangoSite(LANE_DIR / "site", settings="REST_THUMBNAILS_ENGINE = 'vips'\n")
    write_image(site.media / "photo.png", fmt="PNG")
    site.manage("check")
    url = site.shell("""
        from restthumbnails.api import thumbnail_url
        print(thumbnail_url("photo.png", "90x90", "crop", "jpg"))
    """)
    server, origin = site.runserver()
    check(fetch_image(origin + url) == (90, 90), "vips via runserver: the crop is not 90x90")


main(lane)
