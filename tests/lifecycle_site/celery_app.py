"""The site's Celery app, as a Django project declares it (`celery -A ... worker`)."""

from celery import Celery

app = Celery("lifecycle_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
