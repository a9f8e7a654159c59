"""The `thumbnail` tag.

    {% load thumbnail %}
    {% thumbnail src "100x100" "crop" ".jpg" as thumb %}{{ thumb.url }}
    <img src="{% thumbnail src "100x100" "crop" ".jpg" %}">
    {% thumbnail src "avatar" as thumb %}    (a name from REST_THUMBNAILS_PRESETS)
    {% thumbnail src "300x200" "crop" "webp" focus=article.focal_point as thumb %}

With `as`, the variable holds a Thumbnail, or None for an empty source; inline,
the tag prints the URL (nothing for an empty source).
"""

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.utils.html import conditional_escape

from ..api import get_thumbnail

register = template.Library()


class ThumbnailNode(template.Node):
    def __init__(
        self,
        arguments: list[FilterExpression],
        target: str | None,
        focus: FilterExpression | None = None,
    ) -> None:
        self.arguments = arguments
        self.target = target
        self.focus = focus

    def render(self, context: template.Context) -> str:
        source, *rest = (argument.resolve(context) for argument in self.arguments)
        focus = None if self.focus is None else self.focus.resolve(context)
        thumb = get_thumbnail(source, *rest, focus=focus)
        if self.target is not None:
            context[self.target] = thumb
            return ""
        return "" if thumb is None else str(conditional_escape(thumb.url))


@register.tag(name="thumbnail")
def thumbnail_tag(parser: Parser, token: Token) -> ThumbnailNode:
    bits = token.split_contents()
    tag_name, arguments = bits[0], bits[1:]
    target = None
    if len(arguments) >= 2 and arguments[-2] == "as":
        target = arguments[-1]
        arguments = arguments[:-2]
    focus = None
    if arguments and arguments[-1].startswith("focus="):
        focus = parser.compile_filter(arguments.pop()[len("focus=") :])
    if len(arguments) not in (2, 4):
        raise template.TemplateSyntaxError(
            f'{tag_name} takes: source "WxH" "method" ".ext" [focus=point] [as name], '
            'or source "preset" [focus=point] [as name]'
        )
    return ThumbnailNode(
        [parser.compile_filter(argument) for argument in arguments], target, focus
    )
