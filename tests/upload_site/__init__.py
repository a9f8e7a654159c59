"""A Django site with an uploading model, the admin and the thumbnails, run in
subprocesses (the suite's own settings have no database).

Its storages come from the environment: $UPLOAD_SITE_SETTINGS names a Python file
executed into the settings as it is (a docs snippet, extracted by the test), and
$UPLOAD_SITE_OVERWRITE makes the disk storage overwrite names. Everything it writes
lives in $UPLOAD_SITE_DIR.
"""
