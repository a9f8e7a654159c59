"""Django settings for the test suite; storages point at per-test folders (conftest)."""

import tempfile

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
INSTALLED_APPS = ["restthumbnails"]
ROOT_URLCONF = "tests.urlconfs.urls"
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
_PLACEHOLDER = tempfile.gettempdir()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "sources": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": _PLACEHOLDER},
    },
    "thumbnails": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": _PLACEHOLDER},
    },
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REST_THUMBNAILS_SOURCE_STORAGE = "sources"
REST_THUMBNAILS_STORAGE = "thumbnails"
REST_THUMBNAILS_BASE_URL = "/t/"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
