"""What to write instead: messages for the mistakes a template or a call makes first.

Most come from habits of sorl-thumbnail and easy-thumbnails (a bare size, a block
tag, `crop="center"`, a URL as the source). Each message names the mistake, shows
the spelling we take, and points at the section of the docs that has the table.
Pure: the known preset names are passed in.
"""

import re
from collections.abc import Iterable

# Sections the messages point at (tests/test_teaching_errors.py checks each exists).
MIGRATING = "docs/migrating.md#the-tag-side-by-side"
PRESETS = "docs/django.md#presets"
TEMPLATES = "docs/django.md#4-templates"

EXAMPLE = '"200x200" "crop" "jpg"'
# sorl-thumbnail's "300" (a width) and "x300", easy-thumbnails' "300x0" and "0x300".
_SIZE_LIKE = re.compile(r"(?P<w>[0-9]*)x(?P<h>[0-9]*)|(?P<width>[0-9]+)")


def our_size(text: str) -> str | None:
    """`text` as one of our sizes when it looks like a size of any library, else None."""
    match = _SIZE_LIKE.fullmatch(text.strip())
    if match is None:
        return None
    if match["width"] is not None:
        width, height = match["width"], ""
    else:
        width, height = match["w"], match["h"]
    width, height = width.lstrip("0"), height.lstrip("0")  # "0" means "free" there
    if not (width or height):
        return None
    return f"{width}x{height}"


def unknown_preset(name: str, known: Iterable[str]) -> str:
    """A lone second argument that is no preset: a size without method and extension,
    or a typo in a preset's name."""
    size = our_size(name)
    defined = ", ".join(repr(preset) for preset in sorted(known)) or "none"
    if size is not None:
        return (
            f"{name!r} is a size, and a size needs a method and an extension after it: "
            f'"{size}" "crop" "jpg" (fill the box, cut the centre; sorl-thumbnail\'s '
            f'crop="center") or "{size}" "scale" "jpg" (fit inside the box, as a plain '
            f"size did in sorl-thumbnail); or define a preset named {name!r} in "
            f"REST_THUMBNAILS_PRESETS (defined: {defined}). See {MIGRATING}"
        )
    return (
        f"unknown thumbnail preset {name!r}: REST_THUMBNAILS_PRESETS defines {defined}. "
        f"Without a preset, give a size, a method and an extension: {EXAMPLE}. See {PRESETS}"
    )


def missing_ext(size: str, method: str) -> str:
    return (
        f'"{size}" "{method}" needs an extension after it, the thumbnail\'s format: '
        f'"{size}" "{method}" "jpg" (or "png", "webp", "gif", "avif"). See {TEMPLATES}'
    )


def unquoted_size(tag: str, written: str) -> str:
    """easy-thumbnails' `{% thumbnail src 100x0 %}`: a size without quotes."""
    size = our_size(written)
    return (
        f"{tag}: the size {written} needs quotes, a method and an extension: "
        f'"{size}" "scale" "jpg" (or "crop", "smart"). See {MIGRATING}'
    )


def url_source(source: str) -> str:
    """A URL where a source's name belongs (sorl-thumbnail fetches URLs; we do not)."""
    return (
        f"a URL cannot be a thumbnail source ({source[:60]!r}): sources are read by name "
        "from REST_THUMBNAILS_SOURCE_STORAGE. Pass the file (photo.image) or its name in "
        f"that storage ('photos/cat.jpg'). See {MIGRATING}"
    )


def looks_like_url(source: str) -> bool:
    return "://" in source or source.startswith("//")


# sorl-thumbnail's and easy-thumbnails' tag options, and where each went.
_OPTIONS = {
    "crop": 'the method is an argument: crop="center" is "crop", crop="smart" is "smart", '
    'no crop is "scale": {% thumbnail SOURCE "300x200" "crop" "jpg" %}',
    "format": 'the format is the extension argument: format="PNG" is "png": '
    '{% thumbnail SOURCE "300x200" "crop" "png" %}',
    "quality": "quality is one setting for the site: REST_THUMBNAILS_QUALITY (default 85)",
    "upscale": "enlarging small sources is one setting for the site: "
    "REST_THUMBNAILS_UPSCALE = True",
    "padding": "there is no padding: scale into the box and let CSS centre the image",
    "sharpen": "there is no per-tag sharpening",
    "size": 'the size is the second argument: {% thumbnail SOURCE "300x200" "crop" "jpg" %}',
}


def unknown_keyword(tag: str, name: str, accepted: Iterable[str]) -> str:
    known = ", ".join(sorted(accepted))
    why = _OPTIONS.get(name)
    if why is not None:
        return f"{tag} has no keyword {name!r}: {why}. See {MIGRATING}"
    return f"{tag} has no keyword {name!r} (it takes {known}). See {TEMPLATES}"


def arguments(tag: str) -> str:
    return (
        f"{tag} takes a source, then a size, a method and an extension ({EXAMPLE}), or a "
        f"source and a preset's name, then keyword=value options and `as name`: "
        f"{{% {tag} photo.image {EXAMPLE} as im %}}. See {TEMPLATES}"
    )


def block_tag(tag: str) -> str:
    """sorl-thumbnail's {% thumbnail ... as im %}...{% empty %}...{% endthumbnail %}."""
    return (
        f"{{% {tag} %}} is not a block here: write {{% {tag} photo.image {EXAMPLE} as im %}} "
        "with no {% end" + tag + ' %}, then {% if im %}<img src="{{ im.url }}">'
        "{% else %}...{% endif %} where sorl-thumbnail had {% empty %}. See " + MIGRATING
    )
