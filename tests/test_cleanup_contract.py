"""What `thumbnails cleanup` may delete, held as a property over random trees.

The contract (docs/lifecycle.md, "What clean may delete"): on a layout it accepts,
cleanup deletes only names below the thumbnail root that are thumbnail-shaped
(`<source>/<W>x<H>/<method>/<64 hex>.<ext>`) or a thumbnail writer's own temp file
(mkstemp's `.<8>.tmp` in a thumbnail's folder), never a symlink, never a source; each
one it lists is exactly the one it deleted; a layout where the thumbnail place holds
the sources is refused with status 2 and nothing is deleted.

Hypothesis draws a tree (sources, thumbnails of present and missing sources signed
with the key or another one, thumbnails of thumbnails, users' files, temp-looking
files, symlinks, names with spaces, unicode, newlines, `a/b` beside `a/b.jpg`,
`..`-looking keys), a layout (apart, the documented `thumbnails/` subfolder, another
subfolder, thumbnails holding the sources) and every flag, on a folder and on a
bucket of a real S3 API server (moto's, one per module). The oracle below is written
from the contract, not from the code under test.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from restthumbnails.core.signing import sign
from restthumbnails.core.spec import make_spec, parse_path
from restthumbnails.exceptions import InvalidSpec

from .support.s3server import S3Server, running_s3_server

KEY, OTHER_KEY = "contract-key-" + "k" * 32, "contract-other-" + "o" * 32
MAX_DIMENSION = 4096
DAY = 86400.0
OWN_TEMP = re.compile(r"\.[a-z0-9_]{8}\.tmp")
HEX = "0123456789abcdef"

# (source root, thumbnail root) below one folder or bucket; "" is the root itself.
LAYOUTS = {
    "apart": ("media", "thumbs"),
    "documented": ("media", "media/thumbnails"),
    "misplaced": ("media", "media/thumbs"),
    "holds sources": ("media", ""),
    "holds sources deeper": ("site/media", "site"),
    "same place": ("media", "media"),
}

# Segments users' names are made of: spaces, unicode, dots that look like "..".
SEGMENT = st.sampled_from(
    ["a", "b", "photo", "my photo", "été", "写真", "..x", "x..", "a..b", "...", "cache", "-"]
)


def joined(*parts: str) -> str:
    return "/".join(part for part in parts if part)


def inside(name: str, root: str) -> bool:
    return not root or name == root or name.startswith(root + "/")


def below(name: str, root: str) -> str:
    return name[len(root) + 1 :] if root else name


def thumbnail_shaped(rel: str) -> bool:
    try:
        parse_path(rel, max_dimension=MAX_DIMENSION)
    except InvalidSpec:
        return False
    return True


def own_temp(rel: str) -> bool:
    folder, _, base = rel.rpartition("/")
    return bool(OWN_TEMP.fullmatch(base)) and thumbnail_shaped(f"{folder}/{'0' * 64}.jpg")


@dataclass
class Tree:
    """What to create: each name (below the folder or bucket root) with its role."""

    files: dict[str, tuple[str, float]] = field(default_factory=dict)  # name: (role, age)
    links: dict[str, str] = field(default_factory=dict)  # name: target (local only)


@st.composite
def trees(draw: st.DrawFn, *, local: bool) -> tuple[str, Tree]:
    layout = draw(st.sampled_from(sorted(LAYOUTS)))
    sources_root, thumbs_root = LAYOUTS[layout]
    tree = Tree()

    def add(name: str, role: str, age: float = 0.0) -> None:
        tree.files.setdefault(name, (role, age))

    def source_name() -> str:
        segments = draw(st.lists(SEGMENT, min_size=0, max_size=2))
        return joined(*segments, draw(SEGMENT) + draw(st.sampled_from([".jpg", ".png"])))

    def thumbnail(source: str, key: str) -> str:
        spec = make_spec(source, draw(st.sampled_from(["64x64", "100x"])), "crop", "jpg")
        return spec.name(sign(spec, key=key))

    sources = [source_name() for _ in range(draw(st.integers(1, 4)))]
    for source in sources:
        name = joined(sources_root, source)
        # A "source" inside the thumbnail tree is no source: a user's file there.
        add(name, "user" if inside(name, thumbs_root) and thumbs_root != "" else "source")
    missing = [source_name() for _ in range(draw(st.integers(0, 2)))]
    for source in sources + missing:
        for _ in range(draw(st.integers(0, 2))):
            key = draw(st.sampled_from([KEY, OTHER_KEY]))
            add(
                joined(thumbs_root, thumbnail(source, key)),
                "thumbnail",
                draw(st.sampled_from([0, 3 * DAY])),
            )
    if layout == "documented" and draw(st.booleans()):
        # A thumbnail of a thumbnail, as warm made them before it skipped the folder.
        inner = thumbnail(sources[0], KEY)
        add(joined(thumbs_root, thumbnail(f"thumbnails/{inner}", KEY)), "thumbnail")
    # Temp files: a writer's own in a thumbnail folder, and names that only look alike.
    for _ in range(draw(st.integers(0, 2))):
        folder = thumbnail(draw(st.sampled_from(sources + missing)), KEY).rpartition("/")[0]
        random = "".join(draw(st.lists(st.sampled_from("abc123_"), min_size=8, max_size=8)))
        add(
            joined(thumbs_root, folder, f".{random}.tmp"),
            "temp",
            draw(st.sampled_from([0, 2 * 3600])),
        )
    for place in {sources_root, thumbs_root, ""}:
        for base in (".report.tmp", ".abcdefgh.tmp", "notes.txt", "a/b", "a/b.jpg"):
            if draw(st.booleans()):
                add(joined(place, base), "user", 2 * 3600)
        if draw(st.booleans()):
            # A user's file that is thumbnail-shaped, under the source root.
            lookalike = thumbnail(draw(st.sampled_from(sources)), OTHER_KEY)
            add(joined(sources_root, "uploads", lookalike), "user", 3 * DAY)
    if local and draw(st.booleans()):
        add(joined(sources_root, "new\nline.jpg"), "source")
        add(joined(thumbs_root, "tab\there.jpg"), "user")
    if not local and draw(st.booleans()):
        # Keys no storage name spells: ".." and "//" segments and a "." one.
        folder = thumbnail(sources[0], OTHER_KEY).rpartition("/")[0]
        for odd in (
            f"x/../{folder}/{'a' * 64}.jpg",
            f"{folder}//{'b' * 64}.jpg",
            "./.abcdefgh.tmp",
        ):
            add(joined(thumbs_root, odd), "user", 3 * DAY)
        add(joined(thumbs_root, folder, "..", ".abcdefgh.tmp"), "user", 3 * DAY)
    if local and draw(st.booleans()):
        # A thumbnail-shaped symlink to a user's file, a temp-named one, a link to the
        # source folder from inside the thumbnail tree.
        target = joined(sources_root, sources[0])
        folder = thumbnail(sources[0], OTHER_KEY).rpartition("/")[0]
        tree.links[joined(thumbs_root, thumbnail(sources[0], OTHER_KEY))] = target
        tree.links[joined(thumbs_root, folder, ".zzzzzzzz.tmp")] = target
        tree.links[joined(thumbs_root, "linked-media")] = sources_root or "."
    return layout, tree


@dataclass(frozen=True)
class Flags:
    orphans: bool
    unsigned: bool
    older_than: float | None
    dry_run: bool
    listed: bool
    exclude: tuple[str, ...]
    lock_timeout: float

    def arguments(self) -> list[str]:
        args = ["--no-progress"]
        args += ["--orphans"] * self.orphans + ["--unsigned"] * self.unsigned
        args += ["--dry-run"] * self.dry_run + ["--list"] * self.listed
        if self.older_than is not None:
            args += ["--older-than", str(self.older_than)]
        for glob in self.exclude:
            args += ["--exclude", glob]
        return args


flags = st.builds(
    Flags,
    orphans=st.booleans(),
    unsigned=st.booleans(),
    older_than=st.sampled_from([None, 0.0, 1.0]),
    dry_run=st.booleans(),
    listed=st.booleans(),
    exclude=st.sampled_from([(), ("cache",), ("a", "**/*.png")]),
    lock_timeout=st.sampled_from([0.001, 3600.0]),
)


def cleanup(flags: Flags, storages: dict[str, object]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with override_settings(
        STORAGES=storages,
        REST_THUMBNAILS_SOURCE_STORAGE="contract-sources",
        REST_THUMBNAILS_STORAGE="contract-thumbnails",
        REST_THUMBNAILS_SECRET_KEY=KEY,
        REST_THUMBNAILS_LOCK_TIMEOUT=flags.lock_timeout,
    ):
        try:
            call_command("thumbnails", "cleanup", *flags.arguments(), stdout=out, stderr=err)
        except CommandError as exc:
            return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def listed_names(out: str) -> list[str]:
    """The names of "removed NAME (why, size)" lines (a name never holds a newline)."""
    names = []
    for line in out.splitlines():
        for verb in ("would remove ", "removed "):
            if line.startswith(verb) and line.endswith(")"):
                names.append(line[len(verb) :].rpartition(" (")[0])
                break
    return names


def check_contract(
    layout: str,
    tree: Tree,
    flags: Flags,
    before: set[str],
    after: set[str],
    run: tuple[int, str, str],
) -> None:
    code, out, err = run
    sources_root, thumbs_root = LAYOUTS[layout]
    deleted = before - after
    assert after <= before, f"created {after - before}"
    if inside(sources_root, thumbs_root):  # the thumbnail place holds the sources
        assert code == 2 and "source storage" in err, (code, err)
        assert not deleted
        return
    assert code == 0, (code, out, err)
    shown = {joined(thumbs_root, name) for name in listed_names(out)}
    if flags.dry_run:
        assert not deleted and shown <= before
    elif flags.listed:
        assert shown == deleted, (shown, deleted)  # the name listed is the one deleted
    for name in deleted | shown:
        role = tree.files.get(name, ("link" if name in tree.links else "?", 0))[0]
        assert role in ("thumbnail", "temp"), f"{name!r} ({role}) was deleted"
        assert inside(name, thumbs_root)
        rel = below(name, thumbs_root)
        assert thumbnail_shaped(rel) or own_temp(rel), name
    # No criterion, no thumbnail: only stale temp files may go.
    if not (flags.orphans or flags.unsigned or flags.older_than is not None):
        assert all(tree.files[name][0] == "temp" for name in deleted)


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


LOCAL = "django.core.files.storage.FileSystemStorage"


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=trees(local=True), flags=flags)
def test_cleanup_on_a_folder_deletes_only_thumbnails_and_its_own_temp_files(
    drawn: tuple[str, Tree], flags: Flags
) -> None:
    layout, tree = drawn
    root = Path(tempfile.mkdtemp(prefix="contract-"))
    try:
        sources_root, thumbs_root = LAYOUTS[layout]
        for folder in (sources_root, thumbs_root):
            (root / folder).mkdir(parents=True, exist_ok=True)
        made = make_local(root, tree)
        before = snapshot(root)
        assert made <= before
        storages = {
            "default": {"BACKEND": LOCAL, "OPTIONS": {"location": str(root / sources_root)}},
            "contract-sources": {
                "BACKEND": LOCAL,
                "OPTIONS": {"location": str(root / sources_root)},
            },
            "contract-thumbnails": {
                "BACKEND": LOCAL,
                "OPTIONS": {"location": str(root / thumbs_root)},
            },
        }
        run = cleanup(flags, storages)
        after = snapshot(root)
        check_contract(layout, tree, flags, before, after, run)
        for link, target in tree.links.items():  # a link's target is never touched
            if link in before and (root / target).is_file():
                assert target in after
    finally:
        shutil.rmtree(root)


def make_local(root: Path, tree: Tree) -> set[str]:
    """Create what can be created (a name whose folder is a file is left out)."""
    made = set()
    for name, (_, age) in tree.files.items():
        path = root / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x" * 10)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            continue
        moment = time.time() - age
        os.utime(path, (moment, moment))
        made.add(name)
    for name, target in tree.links.items():
        path = root / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(os.path.relpath(root / target, path.parent))
        except (FileExistsError, NotADirectoryError):
            continue
        made.add(name)
    return made


def snapshot(root: Path) -> set[str]:
    """Every file and symlink below `root`, links not followed."""
    found = set()
    for folder, folders, files in os.walk(root):
        for name in files + [f for f in folders if os.path.islink(os.path.join(folder, f))]:
            found.add(Path(folder, name).relative_to(root).as_posix())
    return found


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=trees(local=False), flags=flags)
def test_cleanup_on_a_bucket_deletes_only_thumbnails_and_its_own_temp_files_by_their_keys(
    s3: S3Server, drawn: tuple[str, Tree], flags: Flags
) -> None:
    layout, tree = drawn
    bucket = s3.new_bucket()
    client = s3.client()
    for name in tree.files:
        client.put_object(Bucket=bucket, Key=name, Body=b"x" * 10)
    before = set(s3.keys(bucket))
    assert before == set(tree.files)
    sources_root, thumbs_root = LAYOUTS[layout]
    backend = "storages.backends.s3.S3Storage"
    storages = {
        "default": {"BACKEND": LOCAL},
        "contract-sources": {
            "BACKEND": backend,
            "OPTIONS": s3.storage_options(bucket, sources_root),
        },
        "contract-thumbnails": {
            "BACKEND": backend,
            "OPTIONS": s3.storage_options(bucket, thumbs_root),
        },
    }
    if flags.lock_timeout < 1:
        time.sleep(0.01)  # the temp files are older than the lock timeout
    run = cleanup(flags, storages)
    check_contract(layout, tree, flags, before, set(s3.keys(bucket)), run)
