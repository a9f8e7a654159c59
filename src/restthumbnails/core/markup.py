"""HTML for srcset and <picture>: every attribute value escaped, names checked. Pure."""

import functools
import html
import re
from collections.abc import Iterable, Mapping

from django.utils.safestring import SafeString, mark_safe

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


def source_tags(sources: Iterable[Mapping[str, AttributeValue]]) -> SafeString:
    # Every value is escaped and every name checked by attributes().
    return mark_safe("".join(f"<source{attributes(source)}>" for source in sources))  # noqa: S308


def picture_html(*, sources: SafeString, img: Mapping[str, AttributeValue]) -> SafeString:
    """<picture>, the <source> tags from source_tags(), an <img> with these attributes."""
    return mark_safe(f"<picture>{sources}<img{attributes(img)}></picture>")  # noqa: S308
