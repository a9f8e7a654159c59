"""Which paths are ours: thumbnail-shaped ones and the health and metrics paths."""

from pathlib import Path

import pytest
from django.test import Client

from .conftest import files_under
from .support.images import jpeg


@pytest.fixture
def client(media: Path) -> Client:
    (media / "cat.jpg").write_bytes(jpeg(300, 200))
    return Client(raise_request_exception=True)


@pytest.mark.urls("tests.urlconfs.urls_shared_site")
def test_at_the_root_of_a_shared_site_other_paths_fall_through(
    client, signed_path, thumbs, logs
) -> None:
    assert client.get("/" + signed_path("cat.jpg", "100x100")).status_code == 200
    assert client.get("/_health").status_code == 200
    # The site's own pages, one of them four segments deep, still answer ...
    assert client.get("/about/").content == b"about us"
    assert client.get("/blog/2026/kittens/index.html").content == b"post kittens"
    # ... and a path nobody has is the site's own 404, not ours.
    response = client.get("/favicon.ico")
    assert response.status_code == 404
    assert response.get("Cache-Control") != "no-store"
    assert not any("favicon" in r.getMessage() for r in logs.records if r.name == "restthumbnails")
    assert len(files_under(thumbs)) == 1


@pytest.mark.urls("tests.urlconfs.urls_root_mount")
def test_mounted_at_the_root_with_include_other_paths_fall_through(
    client, signed_path, thumbs
) -> None:
    """`path("", include("restthumbnails.urls"))` before the site's own URLs."""
    assert client.get("/" + signed_path("cat.jpg", "100x100")).status_code == 200
    assert client.get("/about/").content == b"about us"
    response = client.get("/favicon.ico")
    assert response.status_code == 404
    assert response.get("Cache-Control") != "no-store"


@pytest.mark.urls("restthumbnails.owned_urls")
def test_as_the_whole_url_conf_every_other_path_is_our_404_no_store(
    client, signed_path, thumbs, logs
) -> None:
    """As under `serve`, which serves nothing else."""
    assert client.get("/" + signed_path("cat.jpg", "100x100")).status_code == 200
    assert client.get("/_metrics").status_code == 200
    for url in ("/", "/favicon.ico", "/about/", "/blog/2026/kittens/index.html"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Cache-Control"] == "no-store"
        assert response.content == b"not a thumbnail URL\n"
    refused = [r.getMessage() for r in logs.records if r.getMessage().startswith("404 ")]
    assert len(refused) == 4 and all("not a thumbnail URL" in line for line in refused)
