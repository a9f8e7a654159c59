from django.db import models


class Photo(models.Model):
    title = models.CharField(max_length=100, blank=True)
    image = models.ImageField(upload_to="photos", blank=True)

    class Meta:
        app_label = "lifecycle_site"
