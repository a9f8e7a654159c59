from django.apps import AppConfig


class RestThumbnailsConfig(AppConfig):
    name = "restthumbnails"
    verbose_name = "REST thumbnails"

    def ready(self) -> None:
        from . import checks
        from .lifecycle import replaced_files, warm_on_save

        del checks  # imported for its @register: the system checks

        replaced_files.connect()  # a model's file replaced or deleted: its thumbnails go
        warm_on_save.connect()  # REST_THUMBNAILS_WARM_ON_SAVE, when set
