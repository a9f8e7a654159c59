"""Mount anywhere: `path("thumbnails/", include("restthumbnails.urls"))`.

Thumbnails are stored at the path below the mount point, so the proxy's root
for that location is the thumbnail storage's folder.
"""

from django.urls import re_path

from .views import thumbnail

app_name = "restthumbnails"
urlpatterns = [re_path(r"^(?P<path>.+)\Z", thumbnail, name="thumbnail")]
