"""Cleanup: remove thumbnails that can no longer be useful, as the listing streams by.

A thumbnail goes when any chosen condition holds: its source is gone
(`orphans`), its signature is valid under neither the key nor a fallback key
(`unsigned`, after a key rotation), or it is older than `older_than` seconds.
Temp files a killed writer left (mkstemp's `.<8 random>.tmp`, in a folder
where a thumbnail is written) go once they are older than the lock timeout.
Anything else in the folder (a file whose name is no thumbnail URL, a dot-file,
a symlink) is never touched: docs/lifecycle.md, "What clean may delete".
"""

import functools
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import SuspiciousOperation
from django.core.files.storage import Storage

from ..core.signing import verify
from ..core.spec import parse_path
from ..exceptions import BadSignature, InvalidSpec
from ..storage.access import StorageAccess, access_for
from .layout import SourceFilter, is_own_temp_file
from .listing import Entry
from .progress import Progress, rate
from .sizes import human_bytes, size_or_zero

ORPHAN, UNSIGNED, OLD, TEMP = "orphan", "unsigned", "old", "stale temp file"
SOURCE_CACHE = 4096  # a source's thumbnails sit side by side in the listing


@dataclass(frozen=True)
class Criteria:
    orphans: bool = False
    unsigned: bool = False
    older_than: float | None = None  # seconds
    temp_older_than: float = 10.0  # seconds; the lock timeout


@dataclass
class CleanSummary:
    dry_run: bool
    scanned: int = 0
    removed: Counter[str] = field(default_factory=Counter)
    removed_bytes: int = 0
    not_thumbnails: int = 0
    unnamed: int = 0  # listed, but a name the storage cannot address
    errors: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.errors > 0

    def line(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        total = sum(self.removed.values())
        text = (
            f"clean: {self.scanned} files scanned in {self.seconds:.1f} s "
            f"({rate(self.scanned, self.seconds)}); "
            f"{verb} {total} ({human_bytes(self.removed_bytes)})"
        )
        if total:
            text += ": " + ", ".join(f"{n} {why}" for why, n in sorted(self.removed.items()))
        text += f"; kept {self.scanned - total - self.errors}"
        if self.not_thumbnails:
            text += f" ({self.not_thumbnails} not thumbnails, never touched)"
        if self.unnamed:
            text += f"; {self.unnamed} with names the storage cannot address, never touched"
        if self.errors:
            text += f"; {self.errors} could not be removed"
        return text


@dataclass(frozen=True)
class Cleaner:
    thumbnail_storage: Storage
    source_storage: Storage
    criteria: Criteria
    key: str
    fallback_keys: tuple[str, ...]
    max_dimension: int
    now: float = field(default_factory=time.time)
    # Names of the source storage that are not sources (thumbnails of them are orphans).
    not_sources: SourceFilter | None = None

    def reason(self, entry: Entry) -> str | None:
        """Why `entry` should go, or None to keep it; raises InvalidSpec for non-thumbnails."""
        if entry.link:
            raise InvalidSpec("a symlink")  # never written by us: someone's own
        if is_own_temp_file(entry.name, max_dimension=self.max_dimension):
            return TEMP if self.now - entry.modified > self.criteria.temp_older_than else None
        if entry.name.rpartition("/")[2].startswith("."):
            raise InvalidSpec("a dot-file")
        spec, signature = parse_path(entry.name, max_dimension=self.max_dimension)
        if self.criteria.unsigned:
            try:
                verify(spec, signature, key=self.key, fallback_keys=self.fallback_keys)
            except BadSignature:
                return UNSIGNED
        if self.criteria.orphans and not self._is_source(spec.source):
            return ORPHAN
        older_than = self.criteria.older_than
        if older_than is not None and self.now - entry.modified > older_than:
            return OLD
        return None

    def _is_source(self, name: str) -> bool:
        if self.not_sources is not None and self.not_sources.excludes_name(name):
            return False
        return self._source_exists(name)

    @functools.cached_property
    def _source_exists(self) -> Callable[[str], bool]:
        return access_for(self.source_storage).existence(SOURCE_CACHE)


def clean(
    cleaner: Cleaner,
    entries: Iterable[Entry],
    *,
    dry_run: bool,
    progress: Progress,
    listing: Callable[[str], None] | None = None,
) -> CleanSummary:
    """Remove (or with `dry_run` only list) what `cleaner` says should go."""
    summary = CleanSummary(dry_run=dry_run)
    started = time.monotonic()
    thumbnails = access_for(cleaner.thumbnail_storage)
    remover = None if dry_run else Remover(thumbnails)

    def settle(removals: Iterable[Removal]) -> None:
        for removal in removals:
            if removal.error is not None:
                progress.note(f"cannot remove {removal.entry.name}: {removal.error}")
                summary.errors += 1
                continue
            summary.removed[removal.why] += 1
            summary.removed_bytes += removal.size
            if listing is not None:
                verb = "would remove" if dry_run else "removed"
                size = human_bytes(removal.size)
                listing(f"{verb} {removal.entry.name} ({removal.why}, {size})")

    for entry in entries:
        summary.scanned += 1
        progress.advance()
        if not thumbnails.names_exactly(entry):
            # A bucket key no storage name spells ("a//b", "a/../b"): neither a
            # thumbnail nor ours; noted, never deleted, and the run goes on.
            progress.note(f"cannot address {entry.key!r} through the storage: left alone")
            summary.unnamed += 1
            continue
        try:
            why = cleaner.reason(entry)
        except InvalidSpec:
            summary.not_thumbnails += 1
            continue
        except (SuspiciousOperation, ValueError) as exc:  # a name the storage refuses
            progress.note(f"cannot address {entry.name!r}: {exc}")
            summary.unnamed += 1
            continue
        except OSError as exc:  # vanished since it was listed, or unreadable
            progress.note(f"cannot read {entry.name}: {exc.strerror or exc}")
            summary.errors += 1
            continue
        if why is None:
            continue
        removal = Removal(entry, why, size_or_zero(entry))
        settle([removal] if remover is None else remover.remove(removal))
    if remover is not None:
        settle(remover.flush())
    summary.seconds = time.monotonic() - started
    return summary


@dataclass
class Removal:
    entry: Entry
    why: str
    size: int
    error: str | None = None


class Remover:
    """Removes files through the storage's access object, as many per request as its
    kind allows (a thousand per DeleteObjects in a bucket, one at a time elsewhere)."""

    def __init__(self, access: StorageAccess) -> None:
        self.access = access
        self.pending: list[Removal] = []

    def remove(self, removal: Removal) -> list[Removal]:
        """The removals now done (or failed, with `error` set)."""
        self.pending.append(removal)
        return self.flush() if len(self.pending) >= self.access.delete_batch else []

    def flush(self) -> list[Removal]:
        batch, self.pending = self.pending, []
        if batch:
            errors = self.access.delete_many([removal.entry for removal in batch])
            for removal, error in zip(batch, errors, strict=True):
                removal.error = error
        return batch


def remover_for(storage: Storage) -> Remover:
    return Remover(access_for(storage))
