"""The images `serve` shows at start-up and in its demo gallery: only real, decodable ones."""

from pathlib import Path

from django.core.files.storage import FileSystemStorage

from restthumbnails.server.commands.serve import example_urls
from restthumbnails.server.media import image_names

from .support.images import encode, jpeg, picture, png


def test_only_files_that_open_as_images_are_listed(tmp_path: Path) -> None:
    # Input: a real JPEG and PNG, a text file named .jpg, an empty .png, a TIFF (not
    # decoded by default) and a hidden folder. Answer: the JPEG and the PNG only.
    (tmp_path / "a.jpg").write_bytes(jpeg(40, 30))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.png").write_bytes(png(40, 30))
    (tmp_path / "notes.jpg").write_text("not an image")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "scan.tif").write_bytes(encode(picture(40, 30), "TIFF"))
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "c.jpg").write_bytes(jpeg(40, 30))
    assert image_names(FileSystemStorage(location=tmp_path), limit=10) == ["a.jpg", "sub/b.png"]
    urls = example_urls(tmp_path, key="k" * 40, base_url="http://127.0.0.1:8000/")
    assert [url.split("/")[3] for url in urls] == ["a.jpg", "sub"]
