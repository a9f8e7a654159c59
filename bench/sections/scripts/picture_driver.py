"""page_driver.py for a page of 100 <picture>s.

    python picture_driver.py picture SOURCES WORK REPS

The page is the one a site would write with {% picture %}: per source, AVIF and
WebP <source>s and a JPEG <img>, each with 4 widths (12 candidate URLs, plus
the <img>'s own src). The measuring is page_driver.py's; its "cold" page follows
an untimed check that every candidate is there, so only "warm" is meaningful.
"""

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import page_driver
from libs import LIBS

PICTURE = """{% load thumbnail %}{% for name in sources %}
{% picture name "400x300" "crop" "jpg" widths="320 640 960 1280" formats="avif webp" \
sizes="(max-width: 600px) 100vw, 400px" alt="" %}{% endfor %}"""

LIBS["picture"] = {**LIBS["ours"], "template": PICTURE}
CANDIDATE = re.compile(r"\.(?:avif|webp|jpg) \d+w")
_timed_render = page_driver.render_once


def render_and_count(template: Any, sources: list[str]) -> dict[str, float]:
    """page_driver.render_once, after making sure (untimed) the page has every candidate."""
    if not hasattr(render_and_count, "checked"):
        html = template.render({"sources": sources})
        if len(CANDIDATE.findall(html)) != 12 * len(sources):
            raise SystemExit("the page lacks candidates: is AVIF encodable here?")
        render_and_count.checked = True
    return _timed_render(template, sources)


page_driver.render_once = render_and_count

if __name__ == "__main__":
    page_driver.main()
