"""Settings of the test site; folders and servers come from the environment."""

import os
import tempfile
from pathlib import Path

# The tests import the presets and key from here too, without a site folder.
HOME = Path(os.environ.get("LIFECYCLE_SITE_DIR", tempfile.gettempdir()))
SECRET_KEY = "lifecycle-site-key-not-for-production"
DEBUG = False
ALLOWED_HOSTS: list[str] = []
USE_TZ = True
INSTALLED_APPS = ["restthumbnails", "tests.lifecycle_site"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(HOME / "site.db")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(HOME / "media")},
    },
    "thumbnails": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(HOME / "thumbnails")},
    },
}
# With LIFECYCLE_S3_BUCKET (and the AWS_* environment), uploads and thumbnails
# live in that bucket instead, as on a site using django-storages.
BUCKET = os.environ.get("LIFECYCLE_S3_BUCKET")
if BUCKET:
    STORAGES = {
        alias: {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "location": location,
                "querystring_auth": False,
                # A new upload under a taken name gets a name of its own (check E014).
                "file_overwrite": False,
            },
        }
        for alias, location in (("default", "media"), ("thumbnails", "thumbs"))
    }
# The lock is shared by every worker process, and outlives a killed one.
REDIS = os.environ.get("LIFECYCLE_REDIS")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"{REDIS}/1"}
        if REDIS
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SILENCED_SYSTEM_CHECKS = ["restthumbnails.W001", "restthumbnails.W002"]
REST_THUMBNAILS_STORAGE = "thumbnails"
# Many presets: a batch long enough to kill its worker half-way through.
REST_THUMBNAILS_PRESETS = {
    f"p{width}": (f"{width}x{width * 3 // 4}", "crop", "png") for width in range(200, 1400, 100)
}
REST_THUMBNAILS_WARM_ON_SAVE = {"lifecycle_site.Photo.image": list(REST_THUMBNAILS_PRESETS)}

CELERY_BROKER_URL = f"{REDIS}/0" if REDIS else "memory://"
# A killed worker's unacknowledged batch goes back to the queue after
# visibility_timeout, found by a sweep every interval x throttle seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 5,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
