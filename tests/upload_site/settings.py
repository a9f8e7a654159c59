"""Settings of the upload site; folders and storages come from the environment."""

import os
from pathlib import Path

HOME = Path(os.environ.get("UPLOAD_SITE_DIR", "/nonexistent"))
SECRET_KEY = "upload-site-key-not-for-production-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "restthumbnails",
    "tests.upload_site",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ROOT_URLCONF = "tests.upload_site.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(HOME / "site.db")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
MEDIA_ROOT = str(HOME / "media")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": bool(os.environ.get("UPLOAD_SITE_OVERWRITE"))},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# One process, in-process requests: the lock and the inline render are enough here.
REST_THUMBNAILS_RENDER_POOL = "inline"
SILENCED_SYSTEM_CHECKS = ["restthumbnails.W001", "restthumbnails.W002", "restthumbnails.W006"]
REST_THUMBNAILS_PRESETS = {"card": ("120x90", "crop", "png")}

_SNIPPET = os.environ.get("UPLOAD_SITE_SETTINGS")
if _SNIPPET:
    exec(compile(Path(_SNIPPET).read_text(encoding="utf-8"), _SNIPPET, "exec"))  # noqa: S102
