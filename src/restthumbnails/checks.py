"""Start-up checks for the mistakes that only show under load or in production."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import InvalidStorageError

from .conf import (
    BUILTIN_FOLDER,
    INLINE,
    PREFIX,
    Settings,
    base_url,
    get_settings,
    named,
    serves_thumbnails,
    source_storage,
    thumbnail_storage,
    thumbnail_storage_problem,
)
from .render import faces
from .storage.access import local_path

# Caches whose add() is check-then-set inside one process: two workers can both
# "take" the same lock.
_NON_ATOMIC_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "local-memory",
    "django.core.cache.backends.filebased.FileBasedCache": "file-based",
    "django.core.cache.backends.dummy.DummyCache": "dummy",
}


# Anyone who finds the key signs URLs for any size of any source, and every
# published URL is a (message, HMAC) pair to test guesses against offline. 32
# random characters carry 128 bits or more even from a hex alphabet; a shorter key
# is usually a typed phrase that a dictionary finds. Django's security.W009 asks
# 50 of SECRET_KEY, which also guards sessions; 32 suffices for thumbnails, and
# `serve` generates 64.
MIN_KEY_LENGTH = 32
MIN_KEY_UNIQUE_CHARACTERS = 5


def is_weak_key(key: str) -> bool:
    return len(key) < MIN_KEY_LENGTH or len(set(key)) < MIN_KEY_UNIQUE_CHARACTERS


def _weak_keys(key: str, fallbacks: tuple[str, ...]) -> list[CheckMessage]:
    """A warning, not an error: a short key signs correctly; refusing to start a
    running site over it on upgrade would cost more than the weakness, and Django
    treats its own short SECRET_KEY the same way."""

    keys = [(named("SECRET_KEY"), key)]
    keys += [
        (f"{named('SECRET_KEY_FALLBACKS')}[{index}]", value)
        for index, value in enumerate(fallbacks)
    ]
    return [
        Warning(
            f"{name}, which signs thumbnail URLs, has fewer than {MIN_KEY_LENGTH} characters "
            f"or fewer than {MIN_KEY_UNIQUE_CHARACTERS} different ones: a key that short can "
            "be guessed offline from any URL a page publishes.",
            hint="Use a long random key, e.g. python -c "
            "'import secrets; print(secrets.token_urlsafe(48))'.",
            id="restthumbnails.W005",
        )
        for name, value in keys
        if is_weak_key(value)
    ]


@register(Tags.compatibility)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        conf = get_settings()
    except ImproperlyConfigured as exc:
        problems = getattr(exc, "messages", None) or [str(exc)]
        return [Error(problem, id="restthumbnails.E001") for problem in problems]
    messages = _weak_keys(conf.secret_key, conf.secret_key_fallbacks)
    backend = settings.CACHES[conf.cache].get("BACKEND", "")
    # runserver (DEBUG) is one process: a local-memory lock holds there.
    if backend in _NON_ATOMIC_CACHES and not settings.DEBUG:
        messages.append(
            Warning(
                f"The lock cache {conf.cache!r} is {_NON_ATOMIC_CACHES[backend]}: it cannot lock "
                "across worker processes, so concurrent requests may render a thumbnail twice.",
                hint=f"Point {PREFIX}CACHE at Redis or memcached "
                "(or restthumbnails.sqlite_cache.SQLiteCache on a single host); with one "
                "worker process, silence it: SILENCED_SYSTEM_CHECKS = ['restthumbnails.W001'].",
                id="restthumbnails.W001",
            )
        )
    if conf.response_backend == "django" and not settings.DEBUG:
        messages.append(
            Warning(
                "The 'django' response backend sends every thumbnail through Python.",
                hint=f"Behind nginx set {PREFIX}RESPONSE_BACKEND = 'nginx' "
                "(Apache/lighttpd: 'sendfile'; object storage: 'redirect'); to serve the "
                "bytes from Python on purpose: SILENCED_SYSTEM_CHECKS = ['restthumbnails.W002'].",
                id="restthumbnails.W002",
            )
        )
    has_storage = thumbnail_storage_problem(conf) is None
    messages += _storage_layout(conf) if has_storage else _thumbnail_storage_needed(conf)
    messages += _base_url_known(conf)
    if conf.lock_timeout < conf.queue_timeout + conf.generation_timeout:
        messages.append(
            Warning(
                f"{PREFIX}LOCK_TIMEOUT ({conf.lock_timeout:g} s) is shorter than "
                f"QUEUE_TIMEOUT + GENERATION_TIMEOUT ({conf.queue_timeout:g} + "
                f"{conf.generation_timeout:g} s): a slow render can outlive its lock, and "
                "the next request renders the same thumbnail again.",
                hint="Raise LOCK_TIMEOUT or lower the other two.",
                id="restthumbnails.W004",
            )
        )
    if (
        conf.response_backend == "sendfile"
        and has_storage
        and local_path(thumbnail_storage(conf), "") is None
    ):
        messages.append(
            Error(
                f"{PREFIX}RESPONSE_BACKEND 'sendfile' sends a file path, but the thumbnail "
                f"storage {conf.storage!r} has no local files.",
                hint="Use 'redirect' for object storage.",
                id="restthumbnails.E003",
            )
        )
    if conf.render_pool == INLINE and not settings.DEBUG:
        messages.append(
            Warning(
                f"{PREFIX}RENDER_POOL is 'inline': renders run in the request thread, where a "
                "decoder stuck in C cannot be stopped, so GENERATION_TIMEOUT is not a hard "
                "limit and one hostile upload can hold a worker for minutes.",
                hint="Remove the setting (a render pool per worker) or point it at the socket "
                "of `restthumbnails render-pool`.",
                id="restthumbnails.W006",
            )
        )
    if conf.allowed_thumbnails is not None:
        for name, preset in conf.presets.items():
            if preset.allow_key not in conf.allowed_thumbnails:
                messages.append(
                    Error(
                        f"Preset {name!r} ({preset.allow_key}) is not in "
                        f"{PREFIX}ALLOWED_THUMBNAILS, so its URLs would all be refused.",
                        id="restthumbnails.E002",
                    )
                )
    return messages


@register(Tags.compatibility)
def check_picture_formats(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """{% picture %} leaves out a <source> format this Pillow cannot encode: say so."""
    from .core import formats

    try:
        conf = get_settings()
    except ImproperlyConfigured:
        return []  # check_settings reports it
    wanted = set(conf.picture_formats)
    for preset in conf.presets.values():
        wanted.update(preset.formats or ())
    missing = sorted(wanted - formats.EXTENSIONS)
    if not missing:
        return []
    return [
        Warning(
            f"This Pillow cannot encode {', '.join(missing)}: {{% picture %}} and picture() "
            "leave that <source> out, and its URLs would be refused.",
            hint="Install Pillow's wheels, which bundle libavif (Pillow >= 11.3), on the "
            f"pages' hosts and the thumbnail hosts, or drop it from {PREFIX}PICTURE_FORMATS.",
            id="restthumbnails.W007",
        )
    ]


@register(Tags.compatibility)
def check_faces(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """`faces` named in the configuration on a host that cannot render it: every such
    URL would be 400 here while other hosts render it."""
    try:
        conf = get_settings()
    except ImproperlyConfigured:
        return []  # check_settings reports it
    named = {preset.method for preset in conf.presets.values()}
    named |= {key.rpartition("/")[2] for key in conf.allowed_thumbnails or ()}
    if "faces" not in named or faces.available():
        return []
    return [
        Error(
            f"A preset or {PREFIX}ALLOWED_THUMBNAILS uses the 'faces' method, but its detector "
            "(OpenCV 4.x) is not installed: those thumbnails would all be refused with 400.",
            hint=faces.EXTRA_HINT,
            id="restthumbnails.E006",
        )
    ]


@register(Tags.compatibility)
def check_warm_on_save(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """REST_THUMBNAILS_WARM_ON_SAVE: Celery installed, its models, fields and presets exist."""
    from .lifecycle.warm_on_save import problems

    return [
        Error(message, hint=hint or None, id=f"restthumbnails.{code}")
        for code, message, hint in problems()
    ]


def _storage_layout(conf: Settings) -> list[CheckMessage]:
    """Thumbnails and sources in one folder cannot work: a thumbnail of 'a.jpg' is
    written below 'a.jpg/', which cannot exist beside the file. An error, not a 503
    on every request."""
    thumbnails, sources = thumbnail_storage(conf), source_storage(conf)
    same_alias = conf.storage is not None and conf.storage == conf.source_storage
    thumbnail_root, source_root = local_path(thumbnails, ""), local_path(sources, "")
    same_folder = thumbnail_root is not None and thumbnail_root == source_root
    if not (same_alias or same_folder):
        return []
    where = f"the storage {conf.storage!r}" if same_alias else f"the folder {thumbnail_root}"
    return [
        Error(
            f"Sources and thumbnails share {where}: a thumbnail of 'a.jpg' would be written "
            "below 'a.jpg/', which cannot exist beside the file.",
            hint=f"Remove {PREFIX}STORAGE (thumbnails then go to MEDIA_ROOT/thumbnails/) or "
            "give it a STORAGES alias with a folder of its own.",
            id="restthumbnails.E004",
        )
    ]


def _base_url_known(conf: Settings) -> list[CheckMessage]:
    """With no BASE_URL, URLs start where restthumbnails.urls is mounted: it must be."""
    if not hasattr(settings, "ROOT_URLCONF"):
        return []  # a process that serves no URLs (a Celery worker) builds none either
    try:
        base_url(conf)
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="restthumbnails.E005")]
    return []


def _thumbnail_storage_needed(conf: Settings) -> list[CheckMessage]:
    """No thumbnail storage (neither REST_THUMBNAILS_STORAGE nor MEDIA_ROOT) is an error
    only on a host that serves thumbnails: a page host that builds URLs for another host
    (an absolute BASE_URL) signs with the key alone and never writes a thumbnail."""
    if not serves_thumbnails():
        return []
    problem = thumbnail_storage_problem(conf)
    return [Error(problem, id="restthumbnails.E001")] if problem else []


@register(Tags.compatibility)
def check_model_pictures(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Models' pictures against the source storage: W008 where an ImageField stores its
    files elsewhere, E014 where fields store in a source storage that overwrites names.

    W008 is a warning: a site may hold pictures it never makes thumbnails of (an icon in
    a storage of its own, a third-party app's field), and refusing to start over those
    would cost more than it saves; the warning names each field. E014 is an error: a new
    picture saved under an old name keeps the old name's URLs, so every page, the
    proxy, the bucket and each CDN (whose copies live a year) show the old picture,
    and nothing at request time can tell.
    """
    from .storage.source_files import file_fields, label, overwrite_option, same_place

    try:
        conf = get_settings()
        sources = source_storage(conf)
    except ImproperlyConfigured:
        return []  # check_settings reports it
    messages: list[CheckMessage] = []
    elsewhere = [
        label(model, field)
        for model, field in file_fields(images_only=True)
        if same_place(field.storage, sources) is False
    ]
    if elsewhere:
        messages.append(
            Warning(
                f"{_listed(elsewhere)} store their files outside the source storage "
                f"{conf.source_storage!r} ({PREFIX}SOURCE_STORAGE), where thumbnails read "
                "sources from: every thumbnail of those pictures would answer 404.",
                hint=f"Make the storage the fields upload to the source storage: remove "
                f"{PREFIX}SOURCE_STORAGE when they use 'default' (put the bucket there), or "
                "set it to their alias. If those pictures never get thumbnails: "
                "SILENCED_SYSTEM_CHECKS = ['restthumbnails.W008'].",
                id="restthumbnails.W008",
            )
        )
    option = overwrite_option(sources)
    uploading = [
        label(model, field)
        for model, field in file_fields()
        if same_place(field.storage, sources) is not False
    ]
    if option and uploading:
        messages.append(
            Error(
                f"The source storage {conf.source_storage!r} saves a new upload over an "
                f"existing file of the same name ({option}=True), and {_listed(uploading)} "
                "upload to it: a new picture named like an old one (phones name every "
                "photo IMG_0001.jpg) would keep the old one's thumbnail URLs, and the "
                "proxy, the bucket and every CDN would go on showing the old picture.",
                hint=f'Add "{option}": False to STORAGES[{conf.source_storage!r}]["OPTIONS"]: '
                "a second IMG_0001.jpg is then stored under a name of its own "
                "(docs/django.md#restthumbnailse014).",
                id="restthumbnails.E014",
            )
        )
    return messages


def _listed(labels: list[str], shown: int = 3) -> str:
    more = f" and {len(labels) - shown} more" if len(labels) > shown else ""
    return ", ".join(labels[:shown]) + more


@register(Tags.compatibility)
def check_storage_nesting(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A thumbnail place that holds the sources, or that lies inside them anywhere but
    the documented `thumbnails/` subfolder: the lifecycle commands' safety rests on it."""
    from .lifecycle.layout import layout_of

    try:
        conf = get_settings()
        thumbnails, sources = thumbnail_storage(conf), source_storage(conf)
    except (ImproperlyConfigured, InvalidStorageError):
        return []  # check_settings reports it
    if _shares_one_place(conf):
        return []  # restthumbnails.E004 says so
    layout = layout_of(sources, thumbnails)
    alias = conf.storage or f"MEDIA_ROOT/{BUILTIN_FOLDER}"
    if layout.thumbnails_contain_sources:
        below = layout.sources_in_thumbnails
        return [
            Error(
                f"The thumbnail storage {alias!r} contains the source storage "
                f"{conf.source_storage!r}" + (f" (at {below}/)" if below else "") + ": "
                "`thumbnails cleanup` would take users' files for thumbnails and temp "
                "files, and `warm` thumbnails for sources.",
                hint=f"Give {PREFIX}STORAGE a place of its own outside the sources, or remove "
                f"it (thumbnails then go to MEDIA_ROOT/{BUILTIN_FOLDER}/); docs/lifecycle.md, "
                "'Layouts'.",
                id="restthumbnails.E008",
            )
        ]
    if layout.thumbnails_misplaced_in_sources:
        inside = layout.thumbnails_in_sources
        return [
            Error(
                f"The thumbnail storage {alias!r} lies inside the source storage "
                f"{conf.source_storage!r} at {inside}/, not as the documented subfolder "
                f"{BUILTIN_FOLDER}/: thumbnails mix with uploads there, an upload to that "
                "folder is never warmed, and cleanup may take its thumbnail-shaped names.",
                hint=f"Move it to {BUILTIN_FOLDER}/ of the source storage, or outside it; "
                "docs/lifecycle.md, 'Layouts'.",
                id="restthumbnails.E009",
            )
        ]
    return []


def _shares_one_place(conf: Settings) -> bool:
    """The two cases restthumbnails.E004 reports (one alias, one folder)."""
    if conf.storage is not None and conf.storage == conf.source_storage:
        return True
    thumbnail_root = local_path(thumbnail_storage(conf), "")
    return thumbnail_root is not None and thumbnail_root == local_path(source_storage(conf), "")
