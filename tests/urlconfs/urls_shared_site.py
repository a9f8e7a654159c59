"""A site with pages of its own and the thumbnails mounted at its root."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from restthumbnails.urls import thumbnail_patterns


def about(request: HttpRequest) -> HttpResponse:
    return HttpResponse("about us")


def post(request: HttpRequest, year: str, slug: str, page: str) -> HttpResponse:
    return HttpResponse(f"post {slug}")


urlpatterns = [
    path("", include((thumbnail_patterns, "restthumbnails"))),
    path("about/", about),
    # Four segments like a thumbnail URL, but not its shape.
    path("blog/<str:year>/<str:slug>/<str:page>", post),
]
