"""HTML for srcset and <picture>: every attribute value escaped, names checked. Pure.

The text returned is safe HTML; marking it so for Django templates is the
caller's part (restthumbnails.api), which keeps this module free of Django.
"""

import functools
import html
import re
from collections.abc import Iterable, Mapping

# Names a template author may add to <img> (class, data-id, aria-label, ...);
# anything else could break out of the tag, and values cannot (they are escaped).
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_:.-]*")

AttributeValue = str | int | float | bool | None


@functools.cache  # a handful of distinct names per site, checked once each
def check_attribute_name(name: str) -> str:
    if not _ATTRIBUTE_NAME.fullmatch(name):
        raise ValueError(f"not an HTML attribute name: {name!r}")
    return name


def srcset_value(entries: Iterable[tuple[str, str]]) -> str:
    """ "url 320w, url 640w" from (url, descriptor) pairs; a lone URL may have none."""
    return ", ".join(f"{url} {descriptor}" if descriptor else url for url, descriptor in entries)


def attributes(values: Mapping[str, AttributeValue]) -> str:
    """' name="value"' for each; None and False leave the attribute out, True writes
    the name alone (a boolean attribute such as `hidden`)."""
    parts = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        check_attribute_name(name)
        # html.escape with quote=True: & < > " and ' (also in SafeStrings: an alt
        # text marked safe is still text, not markup, inside an attribute).
        text = html.escape(str(value), quote=True)
        parts.append(f" {name}" if value is True else f' {name}="{text}"')
    return "".join(parts)


def source_tags(sources: Iterable[Mapping[str, AttributeValue]]) -> str:
    # Every value is escaped and every name checked by attributes().
    return "".join(f"<source{attributes(source)}>" for source in sources)


def picture_html(*, sources: str, img: Mapping[str, AttributeValue]) -> str:
    """<picture>, the <source> tags from source_tags(), an <img> with these attributes."""
    return f"<picture>{sources}<img{attributes(img)}></picture>"
