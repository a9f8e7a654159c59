"""A real browser (Debian's headless Chromium) loads the demo gallery through nginx."""

from __future__ import annotations

import contextlib
import http.server
import io
import re
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps

from restthumbnails.core.spec import parse_size

from ..support.images import jpeg
from .stack import SECRET_KEY, Stack
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
    """The thumbnail's size as docs/spec.md, section 3, defines it (no upscaling)."""
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


# Three sources and the width Chromium must pick from each srcset, at two
# viewport widths and two device pixel ratios. The slot is 100vw below 600 px,
# else 500 px; the pick is the smallest candidate at least slot x DPR wide,
# else the largest.
PICTURE_SOURCES = {
    # name: (upright size, size, method, candidate widths the page offers)
    "wide.jpg": ((1600, 1200), "400x300", "crop", (320, 640, 960, 1280)),
    # 1280 would be enlarged: the source's full width (1000x750) takes its place.
    "small.jpg": ((1000, 800), "400x300", "crop", (320, 640, 960, 1000)),
    "tall.jpg": ((900, 1600), "400x", "scale", (320, 640, 900)),
}
PICTURE_WIDTHS = "320 640 960 1280"
PICTURE_SIZES = "(max-width: 600px) 100vw, 500px"
EXPECTED_PICK = {
    # (viewport width, DPR): {source: width}  (needed: slot x DPR)
    (400, 1): {"wide.jpg": 640, "small.jpg": 640, "tall.jpg": 640},  # 400
    (400, 2): {"wide.jpg": 960, "small.jpg": 960, "tall.jpg": 900},  # 800
    (1000, 1): {"wide.jpg": 640, "small.jpg": 640, "tall.jpg": 640},  # 500
    (1000, 2): {"wide.jpg": 1280, "small.jpg": 1000, "tall.jpg": 900},  # 1000
}
# Recorded by the page itself while its images are still loading, then again
# once they are complete; layout-shift entries are Chromium's own measure.
PICTURE_PAGE_JS = """
<script>
window.shifts = [];
new PerformanceObserver(list => window.shifts.push(...list.getEntries().map(e => e.value)))
    .observe({type: "layout-shift", buffered: true});
window.boxes = Array.from(document.images).map(img => {
    const box = img.getBoundingClientRect();
    return {width: box.width, height: box.height, complete: img.complete};
});
</script>
"""
PICTURES_JS = """
return Array.from(document.images).map(img => {
    const box = img.getBoundingClientRect();
    return {alt: img.alt, src: img.currentSrc, complete: img.complete,
            natural: [img.naturalWidth, img.naturalHeight], box: [box.width, box.height]};
});
"""


def picture_page(base_url: str, settings: Any) -> str:
    from restthumbnails.api import picture

    settings.REST_THUMBNAILS_SECRET_KEY = SECRET_KEY
    settings.REST_THUMBNAILS_BASE_URL = base_url
    pictures = "".join(
        picture(
            name,
            size,
            method,
            "jpg",
            widths=PICTURE_WIDTHS,
            sizes=PICTURE_SIZES,
            alt=name,
            source_size=upright,
            attrs={"style": "display: block; width: 100%; height: auto"},
        )
        for name, (upright, size, method, _) in PICTURE_SOURCES.items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width'>"
        "<style>body { margin: 0 } div { width: 100%; max-width: 500px }</style></head>"
        f"<body><div>{pictures}</div>{PICTURE_PAGE_JS}</body></html>"
    )


@contextlib.contextmanager
def page_server(html: str) -> Iterator[str]:
    """One page on 127.0.0.1, served from this process (the images come from serve)."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def candidate_widths(srcset: str) -> dict[str, int]:
    return {
        url: int(descriptor.removesuffix("w"))
        for url, descriptor in (entry.split(" ") for entry in srcset.split(", "))
    }


def test_pictures_pick_the_avif_of_the_expected_width_without_layout_shift(
    stack: Stack, workdir: Path, thumbnails_dir: Path, chrome: Any, settings: Any
) -> None:
    media = workdir / "media"
    media.mkdir()
    for name, ((width, height), *_) in PICTURE_SOURCES.items():
        (media / name).write_bytes(jpeg(width, height))
    backend = stack.serve(media, thumbnails_dir, response_backend="django")
    html = picture_page(backend.url, settings)

    # Every candidate of every format answers 200 with its width and format.
    offered: dict[str, dict[str, int]] = {}
    for source_type, srcset in re.findall(
        r'<(?:source type="([^"]*)"|img src="[^"]*") srcset="([^"]*)"', html
    ):
        ext = {"image/avif": "AVIF", "image/webp": "WEBP", "": "JPEG"}[source_type]
        for url, width in candidate_widths(srcset).items():
            answer = fetch(url)
            assert answer.status == 200, (url, answer.status)
            with Image.open(io.BytesIO(answer.body)) as image:
                assert (image.format, image.width) == (ext, width), url
            offered.setdefault(ext, {})[url] = width
    for name, (*_, widths) in PICTURE_SOURCES.items():
        for ext in ("AVIF", "WEBP", "JPEG"):
            mine = sorted(w for url, w in offered[ext].items() if f"/{name}/" in url)
            assert tuple(mine) == widths, (name, ext)

    chrome.execute_cdp_cmd("Network.enable", {})
    # Chromium would reuse a larger cached candidate: each layout starts cold.
    chrome.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    with page_server(html) as page_url:
        for (viewport, dpr), expected in EXPECTED_PICK.items():
            chrome.execute_cdp_cmd("Network.clearBrowserCache", {})
            chrome.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": viewport, "height": 3000, "deviceScaleFactor": dpr, "mobile": False},
            )
            chrome.get(page_url)
            images = poll(
                lambda: (
                    (found := chrome.execute_script(PICTURES_JS))
                    and all(i["complete"] and i["natural"][0] for i in found)
                    and found
                ),
                timeout=120,
                interval=0.2,
                what=f"every picture to load at {viewport} px, {dpr}x",
            )
            before = chrome.execute_script("return window.boxes")
            shifts = chrome.execute_script("return window.shifts")
            picked = {}
            for image, box in zip(images, before, strict=True):
                assert image["src"] in offered["AVIF"], image  # the AVIF source won
                picked[image["alt"]] = offered["AVIF"][image["src"]]
                # The box had its final size while the image was still loading.
                assert not box["complete"], (viewport, dpr, image)
                # (Each candidate's height is rounded to whole pixels on its own, so
                # its shape may differ from width/height's by under a pixel.)
                assert box["width"] == image["box"][0], (viewport, dpr, image)
                assert abs(box["height"] - image["box"][1]) < 1, (viewport, dpr, image)
            assert picked == expected, (viewport, dpr)
            assert shifts == [], (viewport, dpr)
