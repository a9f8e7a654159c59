"""What each proxy configuration sends from disk (or from the bucket): only paths
of a thumbnail's shape.

The configurations are read the way their servers read them: the location or
condition that decides "from disk" is found by what it does (try_files, the
bucket upstream, `url.rewrite-if-not-file`, `file_server`), its pattern taken
out of it, and that pattern tried on paths that are thumbnails and on paths
that are not. A pattern that still appears somewhere in the text (a comment,
another directive) but no longer guards the disk fails here; so does a guard
widened to `^/` or a location that sends files without passing through it.

nginx: the configurations `restthumbnails nginx-config` writes, for a folder and
for a bucket. Apache, lighttpd, Caddy: the examples shipped in examples/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from restthumbnails.server.proxyconfig import THUMBNAIL_PATH, nginx_site, render_nginx

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SIGNATURE = "0123456789abcdef" * 4

THUMBNAIL_PATHS = (
    f"/a.jpg/200x200/crop/{SIGNATURE}.jpg",
    f"/photos 2026/café?.jpg/200x/scale/{SIGNATURE}.webp",
    f"/a/b/c.png/x90/smart/{SIGNATURE}.avif",
    f"/a.jpg/64x64/faces/{SIGNATURE}.png",
    f"/a.jpg/64x64/focus-30-70/{SIGNATURE}.gif",
    f"/a.jpg/64x64/crop/{SIGNATURE}.jpeg",
)
OTHER_PATHS = (
    "/",
    "/a.jpg",
    "/photos/a.jpg",
    "/_health",
    "/_health/",
    "/_metrics",
    "/secret-key",
    "/locks-0123456789abcdef.sqlite3",
    f"/.locks/{SIGNATURE}.lock",
    "/.health/123-abcd",
    f"/a.jpg/64x64/crop/.{SIGNATURE}.jpg.tmp",
    "/a.jpg/64x64/crop/.tmpab12cd.tmp",
    f"/a.jpg/64x64/crop/{SIGNATURE}.txt",
    f"/a.jpg/64x64/crop/{SIGNATURE}.jpg/",
    f"/a.jpg/64x64/crop/{SIGNATURE}.jpg/more",
    f"/a.jpg/64x64/crop/{SIGNATURE}.jpg.bak",
    f"/a.jpg/64x64/crop/{SIGNATURE.upper()}.jpg",
    f"/a.jpg/64x64/crop/{SIGNATURE[:-1]}.jpg",
    f"/a.jpg/64x64/crop/{SIGNATURE}0.jpg",
    f"/a.jpg/064x64/crop/{SIGNATURE}.jpg",
    f"/a.jpg/0x64/crop/{SIGNATURE}.jpg",
    f"/a.jpg/64X64/crop/{SIGNATURE}.jpg",
    f"/a.jpg/64x64/Crop/{SIGNATURE}.jpg",
    f"/a.jpg/64x64/crop/{SIGNATURE}.JPG",
    f"/64x64/crop/{SIGNATURE}.jpg",
    f"//64x64/crop/{SIGNATURE}.jpg",
    f"a.jpg/64x64/crop/{SIGNATURE}.jpg",
)


def assert_only_thumbnail_paths(pattern: str, *, flags: int = 0) -> None:
    """`pattern` (searched, as nginx, Apache, lighttpd and Caddy all do) matches every
    thumbnail path and none of the others."""
    compiled = re.compile(pattern, flags)
    missed = [path for path in THUMBNAIL_PATHS if not compiled.search(path)]
    leaked = [path for path in OTHER_PATHS if compiled.search(path)]
    assert (missed, leaked) == ([], []), f"pattern {pattern!r}"


def test_the_shared_pattern_itself() -> None:
    assert_only_thumbnail_paths(THUMBNAIL_PATH)


# --- a reader for nginx (and Caddyfile) blocks ------------------------------------


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def walk(self) -> Iterator[Directive]:
        yield self
        for child in self.block or ():
            yield from child.walk()

    def named(self, name: str) -> list[Directive]:
        return [directive for directive in self.walk() if directive.name == name]


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|#[^\n]*|[{};\n]|[^\s{};"#]+|[ \t\r]+')


def tokens(text: str, *, newline_ends: bool) -> Iterator[str]:
    """Words, quoted strings (without their quotes), braces and directive ends.

    nginx ends a directive with `;`, a Caddyfile with a newline; `#` starts a
    comment only where a word could start.
    """
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match, f"cannot read {text[position : position + 40]!r}"
        position = match.end()
        token = match.group()
        if token.startswith("#") or (token.isspace() and token != "\n"):
            continue
        if token == "\n":
            if newline_ends:
                yield ";"
            continue
        if token.startswith('"'):
            yield "\0" + token[1:-1].replace('\\"', '"')
        else:
            yield token


def parse_blocks(text: str, *, newline_ends: bool = False) -> Directive:
    stack = [Directive("", [], [])]
    words: list[str] = []

    def add(directive: Directive) -> None:
        assert stack[-1].block is not None
        stack[-1].block.append(directive)

    for token in tokens(text, newline_ends=newline_ends):
        if token in ("{", "}", ";") and words and token != "{":
            add(Directive(plain(words[0]), words[1:]))
            words = []
        if token == "{":
            directive = Directive(plain(words[0]) if words else "", words[1:], [])
            add(directive)
            stack.append(directive)
            words = []
        elif token == "}":
            stack.pop()
        elif token != ";":
            words.append(token)
    assert len(stack) == 1 and not words, "unbalanced braces"
    return stack[0]


def plain(arg: str) -> str:
    return arg.lstrip("\0")


# --- nginx, as `restthumbnails nginx-config` writes it ----------------------------

NGINX_SITES = {
    "folder": {},
    "folder elsewhere": {"thumbnails_dir": "/var/cache/thumbs", "listen": "127.0.0.1:8080"},
    "bucket, path style": {"bucket_url": "http://127.0.0.1:9000/media/thumbs"},
    "bucket, virtual host": {"bucket_url": "https://media.s3.eu-west-1.amazonaws.com/thumbs"},
}


def nginx_locations(text: str) -> list[Directive]:
    (server,) = [d for d in parse_blocks(text).named("server") if d.block is not None]
    return server.named("location")


def sends_content(location: Directive) -> bool:
    """A location that answers from the folder or the bucket, not from the backend."""
    names = {directive.name for directive in location.walk()}
    passes = [plain(d.args[0]) for d in location.named("proxy_pass")]
    return (
        "try_files" in names
        or "root" in names
        or "alias" in names
        or any("restthumbnails_bucket" in target for target in passes)
        or not passes
    )


@pytest.mark.parametrize("options", NGINX_SITES.values(), ids=NGINX_SITES.keys())
def test_nginx_sends_from_disk_or_bucket_only_in_the_thumbnail_location(options) -> None:
    locations = nginx_locations(render_nginx(nginx_site(**options)))
    sending = [location for location in locations if sends_content(location)]
    assert len(sending) == 1, [location.args for location in sending]
    (thumbnail,) = sending
    modifier, pattern = thumbnail.args[0], plain(thumbnail.args[1])
    # `~` is a case-sensitive regex; `~*` would let ".JPG" or "CROP" in.
    assert modifier == "~"
    assert_only_thumbnail_paths(pattern)
    assert pattern == THUMBNAIL_PATH


@pytest.mark.parametrize("options", NGINX_SITES.values(), ids=NGINX_SITES.keys())
def test_nginx_has_no_location_that_outranks_the_thumbnail_regex(options) -> None:
    # nginx picks an exact (=) match first and a `^~` prefix before any regex; the
    # only exact location is the metrics one, which goes to the backend.
    for location in nginx_locations(render_nginx(nginx_site(**options))):
        modifier = location.args[0]
        assert modifier != "^~", location.args
        if modifier == "=":
            assert location.args[1:] == ["/_metrics"]
            assert not sends_content(location)


@pytest.mark.parametrize("options", NGINX_SITES.values(), ids=NGINX_SITES.keys())
def test_nginx_answers_every_other_path_from_the_backend(options) -> None:
    locations = nginx_locations(render_nginx(nginx_site(**options)))
    (catch_all,) = [location for location in locations if location.args == ["/"]]
    assert [plain(d.args[0]) for d in catch_all.named("proxy_pass")] == [
        "http://restthumbnails_backend"
    ]
    assert not sends_content(catch_all)


def test_the_shipped_nginx_example_sends_only_thumbnail_paths_from_disk() -> None:
    locations = nginx_locations((EXAMPLES / "nginx.conf").read_text(encoding="utf-8"))
    sending = [location for location in locations if sends_content(location)]
    assert [(location.args[0], plain(location.args[1])) for location in sending] == [
        ("~", THUMBNAIL_PATH)
    ]


# --- Apache (examples/apache.conf) ------------------------------------------------

_DIRECTIVE = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


@dataclass(frozen=True)
class RewriteCond:
    test: str
    pattern: str
    flags: str


def apache_rewrites(text: str) -> tuple[list[RewriteCond], list[str]]:
    """The RewriteCond lines before the (only) RewriteRule, and that rule's arguments."""
    conditions: list[RewriteCond] = []
    for line in text.splitlines():
        words = [a or b for a, b in _DIRECTIVE.findall(line.strip())]
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "RewriteCond":
            flags = words[3] if len(words) > 3 else ""
            conditions.append(RewriteCond(words[1], words[2], flags))
        elif words[0] == "RewriteRule":
            return conditions, words[1:]
    raise AssertionError("no RewriteRule")


def apache_proxies(conditions: list[RewriteCond], rule: list[str], path: str) -> bool:
    """Whether the rule sends `path` to the backend, a file existing at every path.

    RewriteConds are ANDed, except that one flagged [OR] is ORed with the next.
    """
    result: bool | None = None
    pending_or = False
    for condition in conditions:
        negated = condition.pattern.startswith("!")
        pattern = condition.pattern[1:] if negated else condition.pattern
        if condition.test == "%{REQUEST_URI}":
            value = bool(re.search(pattern, path))
        elif condition.test == "%{DOCUMENT_ROOT}%{REQUEST_URI}" and pattern == "-f":
            value = True  # the worst case: something lies on disk at that path
        else:
            raise AssertionError(f"a condition this test cannot judge: {condition}")
        value = value != negated
        if result is None:
            result = value
        elif pending_or:
            result = result or value
        else:
            result = result and value
        pending_or = "OR" in condition.flags
    flags = rule[2].strip("[]").split(",")
    return bool(result) and bool(re.search(rule[0], path)) and "P" in flags


def test_apache_sends_from_disk_only_thumbnail_paths() -> None:
    conditions, rule = apache_rewrites((EXAMPLES / "apache.conf").read_text(encoding="utf-8"))
    (shape,) = [condition for condition in conditions if condition.test == "%{REQUEST_URI}"]
    assert shape.pattern.startswith("!")  # proxied unless the path has the shape
    assert_only_thumbnail_paths(shape.pattern[1:])
    assert shape.pattern == "!" + THUMBNAIL_PATH
    # Whatever lies on disk: only a thumbnail path is sent from it; every other
    # path is proxied to the backend.
    for path in THUMBNAIL_PATHS:
        assert not apache_proxies(conditions, rule, path), path
    for path in OTHER_PATHS:
        if path.startswith("/"):  # Apache only sees paths that start with one
            assert apache_proxies(conditions, rule, path), path


# --- lighttpd (examples/lighttpd.conf) --------------------------------------------

_LIGHTTPD_URL_CONDITION = re.compile(
    r'^\$HTTP\["url"\]\s*(?P<operator>=~|!~|==|!=)\s*"(?P<pattern>(?:[^"\\]|\\.)*)"\s*\{',
    re.MULTILINE,
)


def lighttpd_branches(text: str) -> list[tuple[str, str, str, str]]:
    """(operator, pattern, block, else block) of each top-level $HTTP["url"] condition."""
    found = []
    for match in _LIGHTTPD_URL_CONDITION.finditer(text):
        block, after = _braced(text, match.end() - 1)
        rest = text[after:].lstrip()
        otherwise = _braced(rest, rest.index("{"))[0] if rest.startswith("else") else ""
        found.append((match["operator"], match["pattern"], block, otherwise))
    return found


def _braced(text: str, opening: int) -> tuple[str, int]:
    """The text inside the braces that open at `opening`, and the index after them."""
    depth = 0
    quoted = False
    for index in range(opening, len(text)):
        char = text[index]
        if char == '"' and text[index - 1] != "\\":
            quoted = not quoted
        elif not quoted and char == "{":
            depth += 1
        elif not quoted and char == "}":
            depth -= 1
            if depth == 0:
                return text[opening + 1 : index], index + 1
    raise AssertionError("unbalanced braces")


def test_lighttpd_sends_from_disk_only_thumbnail_paths() -> None:
    branches = lighttpd_branches((EXAMPLES / "lighttpd.conf").read_text(encoding="utf-8"))
    # The one condition under which a path may be answered from a file.
    from_disk = [branch for branch in branches if "url.rewrite-if-not-file" in branch[2]]
    assert len(from_disk) == 1, branches
    operator, pattern, _, otherwise = from_disk[0]
    assert operator == "=~"
    assert_only_thumbnail_paths(pattern)
    assert pattern == THUMBNAIL_PATH
    # Every other path is rewritten below the backend's prefix, file or not.
    rule = re.search(r'url\.rewrite-once\s*=\s*\(\s*"([^"]*)"\s*=>\s*"([^"]*)"', otherwise)
    assert rule is not None, otherwise
    assert rule[2].startswith("/_restthumbnails/")
    assert all(re.search(rule[1], path) for path in OTHER_PATHS if path.startswith("/"))
    # And nowhere else may a path stay a file path.
    elsewhere = [branch for branch in branches if branch is not from_disk[0]]
    assert not any("rewrite-if-not-file" in block for _, _, block, _ in elsewhere)


# --- Caddy (examples/Caddyfile) ---------------------------------------------------


def test_caddy_sends_from_disk_only_thumbnail_paths() -> None:
    (site,) = (
        parse_blocks((EXAMPLES / "Caddyfile").read_text(encoding="utf-8"), newline_ends=True).block
        or []
    )
    top = site.block or []
    matchers = {d.name: d for d in top if d.name.startswith("@")}
    # Each `handle` at the top level that serves files (file_server not inside a
    # reverse_proxy's handle_response, which runs only on the backend's word).
    serving = [
        handle
        for handle in top
        if handle.name == "handle" and any(d.name == "file_server" for d in handle.block or [])
    ]
    assert len(serving) == 1, [handle.args for handle in serving]
    (matcher_name,) = serving[0].args
    matcher = matchers[matcher_name]
    conditions = {d.name: [plain(arg) for arg in d.args] for d in matcher.block or []}
    assert set(conditions) == {"path_regexp", "file"}, conditions
    (pattern,) = conditions["path_regexp"]
    assert_only_thumbnail_paths(pattern)
    assert pattern == THUMBNAIL_PATH
    # No file_server outside that handle and the backend's X-Accel-Redirect answer.
    outside = [
        d
        for d in site.walk()
        if d.name == "file_server"
        and not any(d in list(h.walk()) for h in serving)
        and not any(d in list(h.walk()) for h in site.named("handle_response"))
    ]
    assert outside == []
