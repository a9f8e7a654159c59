"""`pip install 'restthumbnails[drf]'`: ThumbnailField in a real DRF serializer."""

import json

from kit import LANE_DIR, DjangoSite, check, fetch_image, main, step, write_image


def lane() -> None:
    step("a serializer with ThumbnailField, rendered to JSON")
    site = DjangoSite(LANE_DIR / "site", apps=("rest_framework",))
    write_image(site.media / "photo.jpg")
    site.manage("check")
    data = json.loads(
        site.shell("""
        import json
        from rest_framework import serializers
        from restthumbnails.rest_framework import ThumbnailField

        class PhotoSerializer(serializers.Serializer):
            thumbnail = ThumbnailField(source="image", size="400x300", method="crop",
                                       ext="webp", widths="200 400")

        class Photo:
            image = "photo.jpg"

        print(json.dumps(PhotoSerializer(Photo()).data))
    """)
    )
    thumbnail = data["thumbnail"]
    check((thumbnail["width"], thumbnail["height"]) == (400, 300), f"field gave {data}")
    check("200w" in thumbnail["srcset"], f"no srcset in {data}")
    _server, origin = site.runserver()
    check(fetch_image(origin + thumbnail["url"]) == (400, 300), "the DRF URL is not 400x300")


main(lane)
