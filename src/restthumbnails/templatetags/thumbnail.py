"""The `thumbnail`, `srcset` and `picture` tags.

    {% load thumbnail %}
    {% thumbnail src "100x100" "crop" ".jpg" as thumb %}{{ thumb.url }}
    <img src="{% thumbnail src "100x100" "crop" ".jpg" %}">
    {% thumbnail src "avatar" as thumb %}    (a name from REST_THUMBNAILS_PRESETS)
    {% thumbnail src "300x200" "crop" "webp" focus=article.focal_point as thumb %}

    <img srcset="{% srcset src "400x300" "crop" "webp" widths="320 640 960" %}">
    <img srcset="{% srcset src "200x200" "crop" "jpg" densities="1x 2x" %}">
    {% picture src "400x300" "crop" "jpg" widths="320 640 960" sizes="50vw" alt=a.caption
               class="hero" %}  (on one line in a template)
    {% picture src "hero" alt=a.caption %}
    {{ src|thumbnail_url:"avatar" }}      (a preset's URL; "" for an empty source)

Every tag takes the source, then a size, method and extension or a preset name,
then keywords: `source_size` ("1600x1200" or a (width, height) pair) for all;
`widths` or `densities` for srcset and picture; `formats`, `sizes` and `alt`
for picture, whose other keywords (class, data-id, loading...) become
attributes of its <img>. With `as name`, the variable holds the result
(a Thumbnail, a srcset string, the picture's HTML); inline, the tag prints it.
An empty source gives None (inline: nothing).
"""

import re
from collections.abc import Callable
from typing import Any

from django import template
from django.template.base import FilterExpression, Parser, Token, TokenType
from django.utils.html import conditional_escape

from ..api import SourceSize, get_thumbnail, picture, srcset, thumbnail_url
from ..core import advice
from ..exceptions import InvalidSpec

register = template.Library()

_KEYWORD = re.compile(r"([A-Za-z][A-Za-z0-9_:.-]*)=(.+)", re.DOTALL)
_SIZE = re.compile(r"([1-9][0-9]*)x([1-9][0-9]*)")


def _source_size(value: Any) -> SourceSize | None:
    """ "1600x1200" as written in a template, or a (width, height) pair from the context."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        match = _SIZE.fullmatch(value)
        if match is None:
            raise InvalidSpec(f"source_size must look like 1600x1200, not {value!r}")
        return int(match[1]), int(match[2])
    width, height = value
    return width, height


def _literal(expression: FilterExpression) -> str | None:
    """The string a quoted, unfiltered argument always resolves to; None for any other."""
    if expression.filters or not isinstance(expression.var, str):
        return None
    return expression.var


class BuildNode(template.Node):
    def __init__(
        self,
        build: Callable[..., Any],
        arguments: list[FilterExpression],
        keywords: dict[str, FilterExpression],
        target: str | None,
    ) -> None:
        self.build = build
        self.arguments = arguments
        self.keywords = keywords
        self.target = target
        # A page renders the same tag many times; its quoted size, method and ext
        # resolve to themselves, so they are taken once here, not on every render.
        self.source = arguments[0]
        literals = [_literal(argument) for argument in arguments[1:]]
        self.fixed_rest: list[str] | None = (
            None if None in literals else [value for value in literals if value is not None]
        )

    def render(self, context: template.Context) -> str:
        source = self.source.resolve(context)
        rest: list[Any] = self.fixed_rest or [
            argument.resolve(context) for argument in self.arguments[1:]
        ]
        if self.keywords:
            keywords = {name: value.resolve(context) for name, value in self.keywords.items()}
            if "source_size" in keywords:
                keywords["source_size"] = _source_size(keywords["source_size"])
            result = self.build(source, *rest, **keywords)
        else:
            result = self.build(source, *rest)
        if self.target is not None:
            context[self.target] = result
            return ""
        return "" if result is None else str(conditional_escape(result))


def _parse(
    parser: Parser, token: Token, *, known: frozenset[str], extra_attributes: bool
) -> tuple[list[FilterExpression], dict[str, FilterExpression], str | None]:
    bits = token.split_contents()
    tag_name, bits = bits[0], bits[1:]
    target = None
    if len(bits) >= 2 and bits[-2] == "as":
        target, bits = bits[-1], bits[:-2]
    arguments: list[FilterExpression] = []
    keywords: dict[str, FilterExpression] = {}
    for bit in bits:
        match = _KEYWORD.fullmatch(bit)
        if match is None:
            if keywords:
                raise template.TemplateSyntaxError(f"{tag_name}: {bit} comes after keywords")
            if arguments and bit[0].isdigit() and advice.our_size(bit) is not None:
                # easy-thumbnails' unquoted 100x100 would be looked up as a variable
                # (one that cannot exist: names never start with a digit).
                raise template.TemplateSyntaxError(advice.unquoted_size(tag_name, bit))
            arguments.append(parser.compile_filter(bit))
            continue
        name, value = match[1], match[2]
        if name not in known and not extra_attributes:
            raise template.TemplateSyntaxError(advice.unknown_keyword(tag_name, name, known))
        if name in keywords:
            raise template.TemplateSyntaxError(f"{tag_name}: {name} given twice")
        keywords[name] = parser.compile_filter(value)
    if len(arguments) not in (2, 4):
        raise template.TemplateSyntaxError(advice.arguments(tag_name))
    return arguments, keywords, target


def _refuse_block(parser: Parser, tag_name: str) -> None:
    """sorl-thumbnail's tag is a block ending in {% endthumbnail %}; ours is not. Say so
    at the opening tag, rather than Django's "Invalid block tag" at the {% empty %} or
    the end tag. Looks ahead only as far as the next tag of the same name."""
    tokens: list[Token] = parser.tokens  # type: ignore[assignment]
    for token in reversed(tokens):  # the next token is the list's last
        if token.token_type is not TokenType.BLOCK:
            continue
        command = token.contents.split(maxsplit=1)[0] if token.contents else ""
        if command == f"end{tag_name}":
            raise template.TemplateSyntaxError(advice.block_tag(tag_name))
        if command == tag_name:
            return


_SRCSET_KEYWORDS = frozenset({"source_size", "widths", "densities"})
_PICTURE_KEYWORDS = frozenset({*_SRCSET_KEYWORDS, "formats", "sizes", "alt"})


def _picture(source: Any, *rest: Any, **keywords: Any) -> Any:
    named = {name: keywords.pop(name) for name in _PICTURE_KEYWORDS if name in keywords}
    return picture(source, *rest, **named, attrs=keywords)


@register.tag(name="thumbnail")
def thumbnail_tag(parser: Parser, token: Token) -> BuildNode:
    _refuse_block(parser, "thumbnail")
    arguments, keywords, target = _parse(
        parser, token, known=frozenset({"source_size", "focus"}), extra_attributes=False
    )
    return BuildNode(get_thumbnail, arguments, keywords, target)


@register.tag(name="srcset")
def srcset_tag(parser: Parser, token: Token) -> BuildNode:
    arguments, keywords, target = _parse(
        parser, token, known=_SRCSET_KEYWORDS, extra_attributes=False
    )
    return BuildNode(srcset, arguments, keywords, target)


@register.tag(name="picture")
def picture_tag(parser: Parser, token: Token) -> BuildNode:
    arguments, keywords, target = _parse(
        parser, token, known=_PICTURE_KEYWORDS, extra_attributes=True
    )
    return BuildNode(_picture, arguments, keywords, target)


@register.tag(name="endthumbnail")
def endthumbnail_tag(parser: Parser, token: Token) -> template.Node:
    """A stray end tag (the opening one was fixed, or lives in another block)."""
    raise template.TemplateSyntaxError(advice.block_tag("thumbnail"))


@register.filter(name="thumbnail_url")
def thumbnail_url_filter(source: Any, preset: str) -> str:
    """`{{ photo.image|thumbnail_url:"avatar" }}`, as easy-thumbnails spells it: the URL
    of a preset's thumbnail, "" for an empty source (so `|default:` can stand in)."""
    return thumbnail_url(source, preset) or ""
