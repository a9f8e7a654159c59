"""HTML for srcset and <picture>: every attribute value escaped, names checked. Pure."""

import re
from collections.abc import Iterable, Mapping

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Names a template author may add to <img> (class, data-id, aria-label, ...);
# anything else could break out of the tag, and values cannot (they are escaped).
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_:.-]*")

AttributeValue = str | int | float | bool | None


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
        parts.append(f" {name}" if value is True else f' {name}="{escape(value)}"')
    return "".join(parts)


def picture_html(
    *, sources: Iterable[Mapping[str, AttributeValue]], img: Mapping[str, AttributeValue]
) -> SafeString:
    inner = "".join(f"<source{attributes(source)}>" for source in sources)
    # Every value went through escape() above, and every name through the check.
    return mark_safe(f"<picture>{inner}<img{attributes(img)}></picture>")  # noqa: S308
