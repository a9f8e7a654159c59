from django.contrib import admin

from restthumbnails.admin import thumbnail_column

from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ("title", thumbnail_column("image", "card"))
