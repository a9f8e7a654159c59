"""Per library: the Django settings it needs and the template a site would write.

Each library keeps its own defaults (sorl's cached_db key-value store on the
local-memory cache, easy-thumbnails' database of generated thumbnails), as a
site that installs it and follows its README would.
"""

from typing import Any

OURS = """{% load thumbnail %}{% for name in sources %}
{% thumbnail name "200x200" "crop" ".jpg" as thumb %}<img src="{{ thumb.url }}">{% endfor %}"""

SORL = """{% load thumbnail %}{% for name in sources %}
{% thumbnail name "200x200" crop="center" format="JPEG" as thumb %}<img src="{{ thumb.url }}">
{% endthumbnail %}{% endfor %}"""

EASY = """{% load thumbnail %}{% for name in sources %}
<img src="{% thumbnail name 200x200 crop %}">{% endfor %}"""

# The floor: the same loop printing a fixed URL per source, no thumbnail tag at all.
FLOOR = """{% for name in sources %}
<img src="/thumbnails/{{ name }}/200x200/crop/0000000000000000.jpg">{% endfor %}"""

LIBS: dict[str, dict[str, Any]] = {
    "floor": {"template": FLOOR, "apps": [], "settings": {}, "migrate": False},
    "ours": {
        "template": OURS,
        "apps": ["restthumbnails"],
        "settings": {"REST_THUMBNAILS_BASE_URL": "/thumbnails/"},
        "migrate": False,
    },
    "sorl": {
        "template": SORL,
        "apps": ["sorl.thumbnail"],
        "settings": {"THUMBNAIL_DEBUG": True},
        "migrate": True,
    },
    "easy": {
        "template": EASY,
        "apps": ["easy_thumbnails"],
        "settings": {},
        "migrate": True,
    },
}
