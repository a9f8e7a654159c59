"""The URLconf of docs/django.md: the thumbnails mounted at thumbnails/, BASE_URL unset."""

from django.urls import include, path

urlpatterns = [path("thumbnails/", include("restthumbnails.urls"))]
