"""A site that includes restthumbnails.urls at its root, before its own pages."""

from django.urls import include, path

from .urls_shared_site import about

urlpatterns = [
    path("", include("restthumbnails.urls")),
    path("about/", about),
]
