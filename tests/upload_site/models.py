from django.db import models


class Photo(models.Model):
    """An ordinary model: its ImageField uses the default storage."""

    title = models.CharField(max_length=100, blank=True)
    image = models.ImageField(upload_to="photos", blank=True)

    class Meta:
        app_label = "upload_site"
