"""The documentation stays true: links resolve, named tests exist, snippets run.

Input: README.md, docs/*.md, mkdocs.yml and pyproject.toml. Answer:
- every relative link points at a file that exists, and every `#anchor` at a heading
  of that file (GitHub's heading ids); the README, which a package index shows away
  from the repository, links to the docs only by absolute URL, and those resolve too;
- the README is a front door: at most 150 lines, `pip install restthumbnails` first,
  the two commands of a clone (`make serve`, `make test`) near the top;
- every docs page is in the site's navigation (mkdocs.yml), and nothing else is;
- the settings table of docs/settings.md gives each setting's default as conf has it;
- docs/cli.md's synopsis shows every option of serve, url, nginx-config and
  render-pool, and docs/lifecycle.md every option of warm, clean and stats beyond serve's;
- every test the docs name (`tests/...py`, `tests/...py::test_x`, `test_x`) exists;
- every `docs/x.md` (and `docs/x.md, section N`) cited by the code exists;
- in docs/django.md and docs/migrating.md, every block marked `<!-- test: template -->`
  renders to the `<!-- output -->` block after it (signatures written as `…`), every
  `<!-- test: python -->` block runs, every `<!-- test: settings -->` block leaves
  `manage.py check` with nothing to say under DEBUG = False, and every
  `<!-- file: PATH -->` block is the file at PATH; the migration examples render the
  URLs they promise, and those URLs answer with images of the right size.
"""

import argparse
import ast
import re
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.test import Client

from restthumbnails import conf
from restthumbnails.core import formats
from restthumbnails.fields import FocalPoint
from restthumbnails.render.options import HEIF_DECODES
from restthumbnails.server.cli import build_parser

from .support.images import decode, jpeg, png

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SNIPPET_DOCS = [ROOT / "docs" / "django.md", ROOT / "docs" / "migrating.md"]
TEMPLATES = ROOT / "tests" / "templates"

FENCE = re.compile(r"^(```|~~~)")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
SIGNATURE = re.compile(r"[0-9a-f]{64}")


def prose(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, with inline code removed."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            yield number, re.sub(r"`[^`]*`", "", line)


def anchors(path: Path) -> set[str]:
    """GitHub's ids for the headings of a Markdown file."""
    seen: dict[str, int] = {}
    ids = set()
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if fenced or match is None:
            continue
        text = match[1].lower().replace("`", "")
        slug = "".join(
            c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN"
        ).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        ids.add(slug if count == 0 else f"{slug}-{count}")
    return ids


# The one base of the README's links into the repository (pyproject's [project.urls] too).
REPOSITORY = "https://github.com/restthumbnails/restthumbnails"
BLOB = f"{REPOSITORY}/blob/main/"


def relative_links() -> Iterator[tuple[str, str, Path, str]]:
    for doc in DOCS:
        for number, line in prose(doc.read_text(encoding="utf-8")):
            for target in LINK.findall(line):
                if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                    continue
                file_part, _, anchor = target.partition("#")
                path = (doc.parent / file_part).resolve() if file_part else doc
                yield f"{doc.relative_to(ROOT)}:{number}", target, path, anchor


LINKS = list(relative_links())


def test_the_docs_have_relative_links_to_check() -> None:
    # The parser finds the links we know are there (else every check below is vacuous).
    targets = {target for _, target, _, _ in LINKS}
    assert {"signing.md", "django.md", "spec.md", "urls.md#answers"} <= targets


@pytest.mark.parametrize(
    ("where", "target", "path", "anchor"), LINKS, ids=[f"{w} {t}" for w, t, _, _ in LINKS]
)
def test_relative_link_resolves(where: str, target: str, path: Path, anchor: str) -> None:
    assert path.exists(), f"{where}: {target} points at nothing"
    if anchor:
        assert path.suffix == ".md", f"{where}: an anchor into a file that is not Markdown"
        assert anchor in anchors(path), f"{where}: {path.name} has no heading #{anchor}"


def test_anchor_ids_follow_github() -> None:
    # "## Responsive images: srcset and `<picture>`", "## 6. Production behind nginx",
    # "### restthumbnails.E001": punctuation dropped, spaces made hyphens.
    assert "responsive-images-srcset-and-picture" in anchors(ROOT / "docs" / "templates.md")
    guide = anchors(ROOT / "docs" / "django.md")
    assert {"6-production-behind-nginx", "restthumbnailse001"} <= guide


# --- the README, seen on a package index ---------------------------------------------

README = ROOT / "README.md"


def repository_links() -> Iterator[tuple[str, str]]:
    for number, line in prose(README.read_text(encoding="utf-8")):
        for target in LINK.findall(line):
            yield f"README.md:{number}", target


def test_the_readme_links_only_by_absolute_url() -> None:
    links = list(repository_links())
    assert len(links) > 10  # the docs map is there to check
    relative = [(where, t) for where, t in links if not re.match(r"[a-z]+:", t)]
    assert relative == [], "a relative link breaks on the package index's page"


@pytest.mark.parametrize(
    ("where", "target"),
    [(w, t) for w, t in repository_links() if t.startswith(BLOB)],
    ids=lambda value: value,
)
def test_readme_link_into_the_repository_resolves(where: str, target: str) -> None:
    file_part, _, anchor = target.removeprefix(BLOB).partition("#")
    path = ROOT / file_part
    assert path.is_file(), f"{where}: {target} points at nothing in the repository"
    if anchor:
        assert anchor in anchors(path), f"{where}: {path.name} has no heading #{anchor}"


def test_the_readme_is_a_front_door() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150
    first = next(i for i, line in enumerate(lines) if line.startswith("pip install"))
    assert lines[first] == "pip install restthumbnails" and first < 10
    top = "\n".join(lines[:25])
    assert "make serve" in top and "make test" in top
    # Every extra the package declares has its line in the extras table.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(pyproject["project"]["optional-dependencies"]) - {"test", "docs"}
    listed = set(re.findall(r"^\| `(\w+)` \|", "\n".join(lines), re.M))
    assert extras and listed == extras


def test_the_package_metadata_points_at_the_same_repository() -> None:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert {"Homepage", "Documentation", "Source", "Changelog", "Issues"} <= set(urls)
    assert all(url.startswith(REPOSITORY) for url in urls.values()), urls
    assert (ROOT / urls["Changelog"].removeprefix(BLOB)).is_file()


# --- the docs site ------------------------------------------------------------------


def test_every_page_is_in_the_site_navigation() -> None:
    # mkdocs builds a page left out of `nav` but no reader finds it; a page in `nav`
    # that does not exist fails the build. Read without a YAML parser: `- Title: x.md`.
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    navigation = re.findall(r"^\s*- [^:\n]+: (\S+\.md)$", config, re.M)
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert sorted(navigation) == pages
    assert len(set(navigation)) == len(navigation), "a page twice in the navigation"


# --- the settings table -------------------------------------------------------------

# | `REST_THUMBNAILS_NAME` | default | meaning |: the default cell starts with a literal
# in backticks, or is prose ("where `restthumbnails.urls` is mounted").
SETTING_ROW = re.compile(r"^\| `REST_THUMBNAILS_(\w+)` \| ([^|]*) \|", re.M)
SETTINGS_TABLE = SETTING_ROW.findall((ROOT / "docs" / "settings.md").read_text(encoding="utf-8"))
LITERAL_DEFAULTS = [
    (name, literal[1])
    for name, cell in SETTINGS_TABLE
    if (literal := re.match(r"`([^`]*)`", cell)) and not literal[1].isupper()  # not SECRET_KEY
]


def documented_default(name: str, text: str) -> Any:
    """The default the table gives, as the value conf holds for it."""
    if name == "ENGINE":  # a name of conf.ENGINES; conf keeps the dotted path
        return conf.ENGINES[ast.literal_eval(text)]
    if name == "BACKGROUND":  # "#rrggbb"; conf keeps the RGB triple
        colour = ast.literal_eval(text)
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    value = ast.literal_eval(text)
    if name == "SOURCE_FORMATS" and HEIF_DECODES:  # "and HEIF where the extra is installed"
        return (*value, "HEIF")
    return value


def conf_value(loaded: conf.Settings, name: str) -> Any:
    if not conf.SETTINGS[name].loaded:  # read on its own by the module that uses it
        return conf.read(name)
    attribute = {"ENGINE": "engine_path"}.get(name, name.lower())
    if hasattr(loaded, attribute):
        return getattr(loaded, attribute)
    return getattr(loaded.engine, attribute)


def test_the_settings_table_lists_what_conf_reads() -> None:
    """One row per setting of conf's table: none undocumented, none that conf ignores."""
    documented = [name for name, _ in SETTINGS_TABLE]
    assert sorted(documented) == sorted(conf.SETTINGS)
    assert len(set(documented)) == len(documented), "a setting documented twice"


def test_the_settings_table_gives_literal_defaults() -> None:
    assert len(LITERAL_DEFAULTS) > 30  # else the comparison below checks little


@pytest.mark.parametrize(("name", "text"), LITERAL_DEFAULTS, ids=[n for n, _ in LITERAL_DEFAULTS])
def test_documented_default_is_the_default(settings, name: str, text: str) -> None:
    # No REST_THUMBNAILS_* setting at all: what conf loads is the default.
    for setting in [s for s in dir(django_settings) if s.startswith("REST_THUMBNAILS_")]:
        delattr(settings, setting)
    assert conf_value(conf.get_settings(), name) == documented_default(name, text)


# --- the command line ---------------------------------------------------------------


def options_of(command: str) -> set[str]:
    """The --long options `restthumbnails COMMAND --help` lists."""
    [commands] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    parser = commands.choices[command]
    return {o for a in parser._actions for o in a.option_strings if o.startswith("--")} - {
        "--help"
    }


def synopsis() -> str:
    """The usage block at the top of docs/cli.md."""
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    start = page.index("```\nrestthumbnails serve")
    return page[start : page.index("\n```", start + 4)]


@pytest.mark.parametrize("command", ["serve", "url", "nginx-config", "render-pool"])
def test_the_synopsis_lists_every_option(command: str) -> None:
    block = synopsis()
    assert f"restthumbnails {command} " in block
    missing = {o for o in options_of(command) if not re.search(rf"\[{re.escape(o)}\b", block)}
    assert not missing, f"docs/cli.md does not show {command}'s {sorted(missing)}"


@pytest.mark.parametrize("command", ["warm", "clean", "stats"])
def test_the_lifecycle_page_explains_every_option(command: str) -> None:
    # warm takes serve's render options ("[serve's render options]"); the rest are its own.
    page = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    own = options_of(command) - options_of("serve")
    assert own, command
    missing = {o for o in own if not re.search(rf"{re.escape(o)}\b", page)}
    assert not missing, f"docs/lifecycle.md does not mention {command}'s {sorted(missing)}"


# --- tests named in the docs -------------------------------------------------------

TEST_PATH = re.compile(r"\btests/[\w/]+\.py(?:::\w+)?")
TEST_NAME = re.compile(r"(?<![\w/])test_\w+")


def defined_tests() -> set[str]:
    names = set()
    for path in (ROOT / "tests").rglob("*.py"):
        names.add(path.stem)
        names.update(re.findall(r"^\s*def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    return names


def named_tests() -> Iterator[tuple[str, str]]:
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{doc.relative_to(ROOT)}:{number}"
            for path in TEST_PATH.findall(line):
                yield where, path
            for name in TEST_NAME.findall(TEST_PATH.sub("", line)):
                yield where, name


NAMED = list(named_tests())


def test_the_docs_name_tests() -> None:
    names = {name for _, name in NAMED}
    assert {"tests/test_fresh_project.py", "test_locks", "test_browser"} <= names


@pytest.mark.parametrize(("where", "name"), NAMED, ids=[f"{w} {n}" for w, n in NAMED])
def test_named_test_exists(where: str, name: str) -> None:
    if name.startswith("tests/"):
        file_part, _, function = name.partition("::")
        path = ROOT / file_part
        assert path.is_file(), f"{where}: {file_part} does not exist"
        if function:
            assert re.search(rf"^\s*def {function}\b", path.read_text(encoding="utf-8"), re.M), (
                f"{where}: {file_part} has no {function}"
            )
    else:
        assert name in defined_tests(), f"{where}: no test or test module is called {name}"


# --- docs cited by the code ---------------------------------------------------------

CITATION = re.compile(r"docs/([\w-]+\.md)(?:, section (\d+))?")


def citations() -> Iterator[tuple[str, str, str]]:
    """(where, file, section) of each `docs/x.md` or `docs/x.md, section N` in the code."""
    for folder in ("src/restthumbnails", "tests", "bench", "examples"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".conf", ".toml"} or path.name == "test_docs.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for name, section in CITATION.findall(line):
                    yield f"{path.relative_to(ROOT)}:{number}", name, section


CITED = list(citations())


def test_the_code_cites_the_docs() -> None:
    assert ("spec.md", "2") in {(name, section) for _, name, section in CITED}


@pytest.mark.parametrize(
    ("where", "name", "section"), CITED, ids=[f"{w} {n} {s}" for w, n, s in CITED]
)
def test_cited_doc_and_section_exist(where: str, name: str, section: str) -> None:
    path = ROOT / "docs" / name
    assert path.is_file(), f"{where}: docs/{name} does not exist"
    if section:
        headings = re.findall(r"^## (\d+)\. ", path.read_text(encoding="utf-8"), re.M)
        assert section in headings, f"{where}: docs/{name} has no section {section}"


# --- snippets ----------------------------------------------------------------------


@dataclass
class Snippet:
    where: str
    kind: str  # template, python, settings, setup, file:PATH
    code: str
    expected: str | None = None


def snippets(doc: Path) -> list[Snippet]:
    """Fenced blocks after a `<!-- test: KIND -->` or `<!-- file: PATH -->` marker; a
    template's expected output is the block after the next `<!-- output -->`."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    found: list[Snippet] = []
    marker: tuple[str, int] | None = None
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        match = re.fullmatch(r"<!-- (?:(test|file): (\S+)|output) -->", line)
        if match:
            kind = {"test": match[2], "file": f"file:{match[2]}"}.get(match[1], "output")
            marker = (kind, index + 1)
        elif FENCE.match(line) and marker is not None:
            end = next(i for i in range(index + 1, len(lines)) if FENCE.match(lines[i].strip()))
            code = "\n".join(lines[index + 1 : end]) + "\n"
            kind, number = marker
            if kind == "output":
                found[-1].expected = code
            else:
                found.append(Snippet(f"{doc.name}:{number}", kind, code))
            marker, index = None, end
        index += 1
    return found


ALL_SNIPPETS = [snippet for doc in SNIPPET_DOCS for snippet in snippets(doc)]
# What the docs' templates are rendered with.
CONTEXT = {
    "photo": SimpleNamespace(image="photos/cat.jpg", caption="A cat", point=FocalPoint(0.3, 0.7)),
    "nophoto": SimpleNamespace(image="", caption="", point=None),  # an empty ImageField
}


def test_the_marked_snippets_are_found() -> None:
    kinds = {(s.where.split(":")[0], s.kind.partition(":")[0]) for s in ALL_SNIPPETS}
    assert {
        ("django.md", "template"),
        ("django.md", "python"),
        ("django.md", "settings"),
        ("django.md", "setup"),
        ("migrating.md", "setup"),
        ("migrating.md", "python"),
        ("migrating.md", "file"),
    } <= kinds
    templates = [s for s in ALL_SNIPPETS if s.kind == "template"]
    assert all(s.expected for s in templates), "a template block without its output block"


def settings_of(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - our own docs
    return {name: value for name, value in namespace.items() if name.isupper()}


def set_up_as_in(settings: Any, doc: str) -> None:
    """The set-up of docs/django.md (mounted at thumbnails/, BASE_URL unset), plus
    the settings that `doc` marks as `setup` (its presets)."""
    settings.ROOT_URLCONF = "tests.urlconfs.urls_docs"
    del settings.REST_THUMBNAILS_BASE_URL
    for snippet in ALL_SNIPPETS:
        if snippet.kind == "setup" and snippet.where.startswith(doc + ":"):
            for name, value in settings_of(snippet.code).items():
                setattr(settings, name, value)


def doc_of(snippet: Snippet) -> str:
    return snippet.where.split(":")[0]


def normalised(html: str) -> list[str]:
    return [line.strip() for line in SIGNATURE.sub("…", html).splitlines() if line.strip()]


def by_kind(kind: str) -> list[Snippet]:
    return [s for s in ALL_SNIPPETS if s.kind == kind]


@pytest.mark.parametrize("snippet", by_kind("template"), ids=lambda s: s.where)
def test_template_snippet_renders_what_the_doc_shows(settings, snippet: Snippet) -> None:
    set_up_as_in(settings, doc_of(snippet))
    rendered = engines["django"].from_string(snippet.code).render(CONTEXT)
    assert snippet.expected is not None
    assert normalised(rendered) == normalised(snippet.expected)


@pytest.mark.parametrize("snippet", by_kind("python"), ids=lambda s: s.where)
def test_python_snippet_runs(settings, snippet: Snippet) -> None:
    set_up_as_in(settings, doc_of(snippet))
    exec(snippet.code, {})  # noqa: S102 - our own docs; its asserts are the test


@pytest.mark.parametrize("snippet", by_kind("settings"), ids=lambda s: s.where)
def test_production_settings_pass_the_checks(settings, tmp_path, snippet: Snippet) -> None:
    # A fresh project (the two lines, MEDIA_ROOT) with the snippet added, DEBUG off.
    settings.ROOT_URLCONF = "tests.urlconfs.urls_docs"
    settings.MEDIA_ROOT = str(tmp_path)
    for name in ("BASE_URL", "SOURCE_STORAGE", "STORAGE"):
        delattr(settings, f"REST_THUMBNAILS_{name}")
    settings.DEBUG = False
    before = {m.id for m in run_checks() if m.id.startswith("restthumbnails")}
    assert {"restthumbnails.W001", "restthumbnails.W002"} <= before
    for name, value in settings_of(snippet.code).items():
        setattr(settings, name, value)
    found = {m.id for m in run_checks() if m.id.startswith("restthumbnails")}
    # W007 says this Pillow cannot encode AVIF: true of the machine, not of the doc.
    assert found == ({"restthumbnails.W007"} if "avif" not in formats.EXTENSIONS else set())


@pytest.mark.parametrize(
    "snippet", [s for s in ALL_SNIPPETS if s.kind.startswith("file:")], ids=lambda s: s.where
)
def test_file_snippet_is_the_file(snippet: Snippet) -> None:
    path = ROOT / snippet.kind.removeprefix("file:")
    assert path.read_text(encoding="utf-8") == snippet.code


def test_the_two_lines_are_the_ones_the_fresh_project_test_uses() -> None:
    fresh = (ROOT / "tests" / "test_fresh_project.py").read_text(encoding="utf-8")
    mount = 'path("thumbnails/", include("restthumbnails.urls"))'
    assert mount in fresh
    for doc in (ROOT / "docs" / "django.md", README):  # the guide and the quick start
        guide = doc.read_text(encoding="utf-8")
        assert mount in guide and 'INSTALLED_APPS = [..., "restthumbnails"]' in guide, doc.name
    assert 'INSTALLED_APPS += ["restthumbnails"]' in fresh


def test_every_check_is_explained() -> None:
    code = (ROOT / "src" / "restthumbnails" / "checks.py").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "django.md").read_text(encoding="utf-8")
    emitted = set(re.findall(r"restthumbnails\.[EW]\d{3}", code))
    explained = set(re.findall(r"^### (restthumbnails\.[EW]\d{3})$", guide, re.M))
    assert emitted and explained == emitted
    for check in sorted(c for c in emitted if ".W" in c):
        section = guide.split(f"### {check}\n")[1].split("\n### ")[0]
        assert f'SILENCED_SYSTEM_CHECKS = ["{check}"]' in section, check


# --- the migration examples --------------------------------------------------------


def migrating(name: str, context: dict[str, Any]) -> str:
    """tests/templates/migrating/NAME through a Django template engine of its own."""
    engine = DjangoTemplates(
        {"NAME": "migrating", "DIRS": [TEMPLATES], "APP_DIRS": False, "OPTIONS": {}}
    )
    return engine.get_template(f"migrating/{name}").render(context)


@pytest.fixture
def migrating_site(settings) -> None:
    set_up_as_in(settings, "migrating.md")


def thumbnails_in(html: str) -> list[tuple[str, str, str, str]]:
    """(source, size, method, ext) of each /thumbnails/ URL in the page, in order."""
    pattern = r"/thumbnails/(.+?)/(\d*x\d*)/(\w+)/[0-9a-f]{64}\.(\w+)"
    return re.findall(pattern, html)


def urls_in(html: str) -> list[str]:
    return re.findall(r"/thumbnails/[^\"')\s]+", html)


PRODUCT = SimpleNamespace(
    photo="products/lamp.jpg",
    name="Lamp",
    gallery=["products/lamp-side.png", "products/lamp-top.png"],
)


@pytest.fixture
def product_sources(media: Path) -> None:
    (media / "products").mkdir()
    (media / "products" / "lamp.jpg").write_bytes(jpeg(1200, 900))
    (media / "products" / "lamp-side.png").write_bytes(png(600, 300))
    (media / "products" / "lamp-top.png").write_bytes(png(100, 100))


@pytest.mark.usefixtures("migrating_site", "product_sources")
def test_converted_sorl_page_builds_and_serves_its_thumbnails() -> None:
    html = migrating("product.html", {"product": PRODUCT})
    assert thumbnails_in(html) == [
        ("products/lamp.jpg", "600x400", "crop", "jpg"),
        ("products/lamp-side.png", "150x", "scale", "png"),
        ("products/lamp-top.png", "150x", "scale", "png"),
        ("products/lamp.jpg", "300x300", "smart", "webp"),
    ]
    assert 'width="600" height="400" alt="Lamp"' in html
    assert "No photo yet." not in html
    client = Client()
    # lamp-top.png is 100 px wide: never enlarged (sorl-thumbnail would have).
    expected = [
        ("JPEG", (600, 400)),
        ("PNG", (150, 75)),
        ("PNG", (100, 100)),
        ("WEBP", (300, 300)),
    ]
    for url, (fmt, size) in zip(urls_in(html), expected, strict=True):
        response = client.get(url)
        assert response.status_code == 200, url
        image = decode(b"".join(response.streaming_content))
        assert (image.format, image.size) == (fmt, size), url


@pytest.mark.usefixtures("migrating_site")
def test_converted_sorl_page_without_a_photo_says_so() -> None:
    html = migrating("product.html", {"product": SimpleNamespace(photo="", name="", gallery=[])})
    assert "No photo yet." in html
    assert thumbnails_in(html) == []


@pytest.mark.usefixtures("migrating_site")
def test_converted_easy_thumbnails_page_builds_and_serves_its_thumbnails(media: Path) -> None:
    (media / "people").mkdir()
    (media / "people" / "ada.jpg").write_bytes(jpeg(400, 500))
    (media / "people" / "cover.jpg").write_bytes(jpeg(1600, 900))
    profile = SimpleNamespace(photo="people/ada.jpg", cover="people/cover.jpg")
    html = migrating("profile.html", {"profile": profile})
    assert thumbnails_in(html) == [
        ("people/ada.jpg", "50x50", "crop", "jpg"),  # the avatar preset
        ("people/ada.jpg", "100x", "scale", "jpg"),
        ("people/cover.jpg", "800x200", "smart", "jpg"),
    ]
    client = Client()
    avatar, narrow, cover = urls_in(html)
    for url, size in [(avatar, (50, 50)), (narrow, (100, 125)), (cover, (800, 200))]:
        response = client.get(url)
        assert response.status_code == 200, url
        image = decode(b"".join(response.streaming_content))
        assert (image.format, image.size) == ("JPEG", size), url
