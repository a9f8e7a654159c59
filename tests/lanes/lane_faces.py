"""`pip install 'restthumbnails[faces]'`: the faces method renders (OpenCV's cascade)."""

from kit import (
    KEY,
    LANE_DIR,
    DjangoSite,
    check,
    command,
    fetch_image,
    main,
    serve,
    signed_url,
    step,
    write_image,
)


def lane() -> None:
    images = LANE_DIR / "images"
    write_image(images / "group.jpg", 900, 600)
    step("serve: a faces crop")
    server, base_url = serve(images)
    check(
        fetch_image(signed_url("group.jpg", "200x200", "faces", "jpg", base_url)) == (200, 200),
        "the faces crop is not 200x200",
    )
    server.stop()
    step("warm --method faces")
    command("warm", images, "--size", "64x64", "--method", "faces", "--secret-key", KEY)
    check(
        any((LANE_DIR / "images-thumbnails" / "group.jpg" / "64x64" / "faces").iterdir()),
        "warm --method faces wrote nothing",
    )

    step("a Django preset with the faces method passes check")
    site = DjangoSite(
        LANE_DIR / "site",
        settings="""
        REST_THUMBNAILS_PRESETS = {"avatar": ("64x64", "faces", "jpg")}
    """,
    )
    site.manage("check")


main(lane)
