"""The method checks of tests/test_spec.py, spelt as functions of the URL text."""

from restthumbnails.core.method import Method


def parse_method(text: str) -> Method:
    return Method.parse(text)


def focal_point(text: str) -> tuple[float, float] | None:
    return Method.parse(text).focal_point


def focus_method(x: float, y: float) -> Method:
    return Method.focus_at(x, y)
