"""`pip install 'restthumbnails[jinja2]'`: Django's Jinja2 backend with the extension."""

from kit import LANE_DIR, DjangoSite, check, fetch_image, main, step, write_image


def lane() -> None:
    step("TEMPLATES with the Jinja2 backend and restthumbnails.jinja2.ThumbnailExtension")
    site = DjangoSite(
        LANE_DIR / "site",
        settings="""
        TEMPLATES = [{
            "BACKEND": "django.template.backends.jinja2.Jinja2",
            "DIRS": [],
            "OPTIONS": {"extensions": ["restthumbnails.jinja2.ThumbnailExtension"]},
        }, *TEMPLATES]
    """,
    )
    write_image(site.media / "photo.jpg")
    site.manage("check")
    html = site.shell("""
        from django.template import engines
        template = engines["jinja2"].from_string(
            '{{ picture("photo.jpg", "300x200", "crop", "jpg", widths="150 300") }}'
            '|{{ thumbnail("photo.jpg", "120x80", "crop", "jpg").url }}'
        )
        print(template.render({}).replace("\\n", " "))
    """)
    picture, _, url = html.rpartition("|")
    check("<picture" in picture and "150w" in picture, f"picture() gave {picture!r}")
    check(url.startswith("/thumbnails/photo.jpg/120x80/crop/"), f"thumbnail() gave {url!r}")
    _server, origin = site.runserver()
    check(fetch_image(origin + url) == (120, 80), "the Jinja2 URL does not give 120x80")


main(lane)
