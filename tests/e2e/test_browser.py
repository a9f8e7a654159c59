"""A real browser (Debian's headless Chromium) loads the demo gallery through nginx."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps

from restthumbnails.spec import parse_size

from .stack import Stack
from .support import (
    LOOPBACK,
    fetch,
    free_port,
    generated_count,
    poll,
    require_binary,
    require_module,
)

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # Chromium refuses to sandbox as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2400",
)
IMAGES_JS = """
return Array.from(document.images).map(img => ({
    src: img.currentSrc, complete: img.complete,
    width: img.naturalWidth, height: img.naturalHeight}));
"""


def expected_pixels(source: tuple[int, int], size: str, method: str) -> tuple[int, int]:
    """The thumbnail's size as SPEC.md section 3 defines it (no upscaling)."""
    width, height = parse_size(size)
    src_w, src_h = source
    if method == "scale" or width is None or height is None:
        factor = min(f for f in (width and width / src_w, height and height / src_h, 1.0) if f)
        return max(1, round(src_w * factor)), max(1, round(src_h * factor))
    if width <= src_w and height <= src_h:
        return width, height
    # Too small to cover the box: the largest piece with the box's shape.
    region_w = min(src_w, src_h * width / height)
    region_h = min(src_h, src_w * height / width)
    return max(1, round(region_w)), max(1, round(region_h))


def upright_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).size


@pytest.fixture
def chrome(workdir: Path) -> Any:
    webdriver = require_module("selenium.webdriver", pip="selenium").webdriver
    chromium = require_binary("chromium", package="chromium")
    driver_path = require_binary("chromedriver", package="chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={workdir / 'chromium-profile'}"):
        options.add_argument(flag)
    service = webdriver.ChromeService(
        executable_path=driver_path, log_output=str(workdir / "chromedriver.log")
    )
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def test_demo_gallery_loads_every_thumbnail_in_chromium_through_nginx(
    stack: Stack,
    sample_media: Path,
    thumbnails_dir: Path,
    workdir: Path,
    chrome: Any,
    tmp_path: Path,
) -> None:
    # The demo's image URLs must name nginx: choose its port before starting serve.
    nginx_port = free_port()
    backend = stack.serve(
        sample_media,
        thumbnails_dir,
        response_backend="nginx",
        demo=True,
        base_url=f"http://{LOOPBACK}:{nginx_port}/",
    )
    _, proxy_url = stack.proxy("nginx", thumbnails_dir, backend, port=nginx_port)

    chrome.get(proxy_url)
    images = poll(
        lambda: (
            (found := chrome.execute_script(IMAGES_JS))
            and all(i["complete"] for i in found)
            and found
        ),
        timeout=120,
        interval=0.2,
        what="every <img> to finish loading",
    )
    screenshot = tmp_path / "demo.png"
    assert chrome.save_screenshot(str(screenshot))
    with Image.open(screenshot) as shot:
        assert shot.format == "PNG" and shot.width > 0
    print(f"screenshot: {screenshot}")

    sources = sorted(
        p.relative_to(sample_media).as_posix()
        for p in sample_media.rglob("*")
        if p.suffix in {".jpg", ".png", ".webp", ".gif"}
    )
    variants = 5
    assert len(images) == len(sources) * variants
    seen_sources = set()
    for image in images:
        assert image["src"].startswith(proxy_url), image
        path = urllib.parse.unquote(urllib.parse.urlsplit(image["src"]).path).lstrip("/")
        source, size, method, _ = path.rsplit("/", 3)
        seen_sources.add(source)
        expected = expected_pixels(upright_size(sample_media / source), size, method)
        assert (image["width"], image["height"]) == expected, image
    assert seen_sources == set(sources)
    # Each thumbnail reached Python once; a reload is served by nginx alone.
    assert generated_count(backend.process) == len(images)
    chrome.refresh()
    poll(
        lambda: (
            (found := chrome.execute_script(IMAGES_JS))
            and len(found) == len(images)
            and all(i["complete"] and i["width"] for i in found)
        ),
        timeout=60,
        what="the reloaded gallery",
    )
    assert generated_count(backend.process) == len(images)
    assert fetch(proxy_url).header("content-type") == "text/html; charset=utf-8"
