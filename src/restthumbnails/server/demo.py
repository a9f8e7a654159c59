"""`restthumbnails serve --demo`: a gallery at / of the source images, beside the thumbnails.

Every picture is an ordinary thumbnail URL made by the `{% thumbnail %}` tag, so
the page shows what a site gets: behind a proxy, the first view of the page
renders each thumbnail once and every later view is served from disk.
"""

from django.http import HttpRequest, HttpResponse
from django.template import Context, Engine
from django.urls import include, path

from ..conf import get_settings, source_storage
from .media import image_names

MAX_IMAGES = 24
# (size, method, extension): every method and every output format at least once.
VARIANTS = (
    ("200x200", "crop", "jpg"),
    ("240x", "scale", "webp"),
    ("240x160", "smart", "jpg"),
    ("x120", "scale", "png"),
    ("96x96", "crop", "gif"),
)

_PAGE = Engine(libraries={"thumbnail": "restthumbnails.templatetags.thumbnail"}).from_string(
    """{% load thumbnail %}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>restthumbnails demo</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; background: #f4f4f4; color: #222; }
  section { margin-bottom: 2rem; }
  .row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-end; }
  figure { margin: 0; padding: .5rem; background: #fff; border: 1px solid #ddd; }
  figcaption { font-size: .75rem; color: #555; margin-top: .25rem; }
  img { display: block;
        background: repeating-conic-gradient(#ddd 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
</style>
</head>
<body>
<h1>restthumbnails demo</h1>
<p>{{ images|length }} source image{{ images|length|pluralize }},
{{ variants|length }} thumbnails each. The first view renders each one once;
after that your proxy sends them from disk.</p>
{% for name in images %}
<section>
<h2>{{ name }}</h2>
<div class="row">
{% for size, method, ext in variants %}{% thumbnail name size method ext as thumb %}
<figure>
<img src="{{ thumb.url }}" alt="{{ name }} {{ size }} {{ method }} .{{ ext }}">
<figcaption>{{ size }} {{ method }} .{{ ext }}</figcaption>
</figure>
{% endfor %}
</div>
</section>
{% empty %}
<p>No images found in the media folder.</p>
{% endfor %}
</body>
</html>
"""
)


def gallery(request: HttpRequest) -> HttpResponse:
    names = image_names(source_storage(get_settings()), limit=MAX_IMAGES)
    html = _PAGE.render(Context({"images": names, "variants": VARIANTS}))
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("", gallery, name="demo"),
    path("", include("restthumbnails.owned_urls")),
]
