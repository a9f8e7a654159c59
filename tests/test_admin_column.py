"""`restthumbnails.admin.thumbnail_column` in a real admin change list.

Input: the admin of tests/upload_site (a superuser logged in) listing a Photo with an
uploaded picture and one without, with `list_display = ("title",
thumbnail_column("image", "card"))`. Answer: the change list answers 200 with one
<img> of the "card" preset (120x90, width and height set) in the "Image" column, the
empty row shows no image, and that <img>'s URL answers with a 120x90 picture of the
upload.
"""

from pathlib import Path

from PIL import Image

from .support.images import encode
from .upload_site.run import site_script


def test_the_change_list_shows_each_rows_thumbnail(tmp_path: Path) -> None:
    picture = tmp_path / "cat.jpg"
    picture.write_bytes(encode(Image.new("RGB", (400, 300), (30, 160, 40)), "JPEG"))
    result = site_script(tmp_path / "site", "admin_changelist", str(picture))
    assert result["status"] == 200 and result["column_header"]
    [image] = result["images"]
    assert image.startswith('<img src="/thumbnails/photos/cat.jpg/120x90/crop/')
    assert 'width="120" height="90"' in image
    [fetched] = result["fetched"]
    assert (fetched["status"], fetched["size"]) == (200, [120, 90])
    assert all(abs(a - b) <= 12 for a, b in zip(fetched["colour"], (30, 160, 40), strict=True))
