from django.apps import AppConfig


class RestThumbnailsConfig(AppConfig):
    name = "restthumbnails"
    verbose_name = "REST thumbnails"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .warm_on_save import connect

        connect()  # REST_THUMBNAILS_WARM_ON_SAVE, when set
