"""A small Django site for the background-generation tests: one model with an ImageField.

Run in subprocesses (the suite's own settings have no database): the Celery
worker, and scripts that save models. Everything it writes lives in
$LIFECYCLE_SITE_DIR.
"""
