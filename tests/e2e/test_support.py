"""The rule for missing packages: skip on a developer's machine, fail under CI=true."""

import pytest

from .support import require_binary, substitute


def test_a_missing_binary_skips_with_the_package_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install the Debian package no-such-pkg"):
        require_binary("no-such-binary-restthumbnails", package="no-such-pkg")


def test_a_missing_binary_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI=true and .*no-such-pkg"):
        require_binary("no-such-binary-restthumbnails", package="no-such-pkg")


def test_an_example_that_lost_its_placeholder_is_reported() -> None:
    with pytest.raises(AssertionError, match="no longer contains 'listen 80;'"):
        substitute("listen 8080;", {"listen 80;": "listen 1;"}, source="nginx.conf")
