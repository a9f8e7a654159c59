"""One request, one log line: nothing a client sends can start another line."""

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.utils.module_loading import import_string

from restthumbnails.core.logsafe import escape, redact
from restthumbnails.server.logformat import logging_config

from .support import lean_client

SIG = "0" * 64
# NEL and LINE SEPARATOR each end a line for str.splitlines() and many log readers.
FORGED = "/t/a%C2%85b%E2%80%A8c.jpg/100x100/crop/" + SIG + ".jpg"
FORGED_ESCAPED = "a\\x85b\\u2028c.jpg/100x100/crop/000000000000....jpg"


def test_every_non_printable_character_is_escaped() -> None:
    text = "a\nb\x1bc\x7fd\x85e\u2028f\u2029g\u202eh\U000e0001i é 猫"
    assert escape(text) == ("a\\x0ab\\x1bc\\x7fd\\x85e\\u2028f\\u2029g\\u202eh\\U000e0001i é 猫")
    assert escape("plain text, spaces and é") == "plain text, spaces and é"


def test_redact_escapes_shortens_signatures_and_bounds() -> None:
    assert redact(f"x\u2028y/{SIG}.jpg") == "x\\u2028y/000000000000....jpg"
    assert redact("\u2028" * 400).endswith("...") and len(redact("\u2028" * 400)) == 303


def test_a_path_with_nel_and_line_separator_logs_one_escaped_line(caplog) -> None:
    caplog.set_level(logging.INFO, logger="restthumbnails")
    status = Client().get(FORGED).status_code  # refused, whatever the reason
    # splitlines() breaks at \x85 and \u2028 too: one line means nothing was forged.
    lines = caplog.text.splitlines()
    assert len(lines) == 1
    assert f"{status} {FORGED_ESCAPED}: " in lines[0]


def test_a_method_name_with_a_line_separator_is_escaped(caplog) -> None:
    caplog.set_level(logging.INFO, logger="restthumbnails")
    response = Client().generic("GET\u2028FAKE", "/t/a.jpg/100x100/crop/" + SIG + ".jpg")
    assert response.status_code == 405
    lines = caplog.text.splitlines()
    assert len(lines) == 1
    assert (
        "405 a.jpg/100x100/crop/000000000000....jpg: method GET\\u2028FAKE not allowed ("
        in lines[0]
    )


@pytest.fixture(params=["plain", "json"])
def serve_log(request: pytest.FixtureRequest) -> Iterator[tuple[str, io.StringIO]]:
    """The `restthumbnails` logger writing through the formatter `serve --log-format` uses."""
    spec = dict(logging_config(level="INFO", fmt=request.param)["formatters"]["main"])
    formatter = import_string(spec.pop("()"))(**spec)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("restthumbnails")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield request.param, stream
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture(params=["lean", "django"])
def serve_get(request: pytest.FixtureRequest, settings) -> Callable[[str], int]:
    """GET a path below /t/ the way serve answers it: through its lean route, or Django's."""
    if request.param == "django":
        return lambda path: Client().get(path).status_code
    settings.ROOT_URLCONF = lean_client.URLCONF
    client = lean_client.LeanClient()
    return lambda path: client.get(path).status_code


def test_serve_formats_write_one_line_per_request(serve_log, serve_get) -> None:
    fmt, stream = serve_log
    status = serve_get(FORGED)
    assert status == 400  # the control characters in the source name
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    if fmt == "json":
        entry = json.loads(lines[0])
        assert entry["status"] == status
        assert entry["thumbnail"] == FORGED_ESCAPED
        assert entry["message"].startswith(f"{status} {FORGED_ESCAPED}: ")
    else:
        assert " INFO [" in lines[0] and f"] {status} {FORGED_ESCAPED}: " in lines[0]


def test_serve_formats_escape_messages_that_bypass_redact(serve_log) -> None:
    """Django's own loggers log raw paths; the formatter is the last line of defence."""
    fmt, stream = serve_log
    logging.getLogger("restthumbnails").warning("Not Found: /x\u2028FORGED ERROR\u0085y")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    message = json.loads(lines[0])["message"] if fmt == "json" else lines[0]
    assert message.endswith("Not Found: /x\\u2028FORGED ERROR\\x85y")
