"""Is this worker able to do its job? The thumbnail storage takes a write and the
lock cache answers. Used by load balancers; cheap enough to call every second.
"""

import os
import secrets

from django.core.cache.backends.base import BaseCache
from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from .storage import local_path


def check_storage(storage: Storage) -> str:
    name = f".health-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        path = local_path(storage, name)
        if path is not None:
            folder = os.path.dirname(path)
            os.makedirs(folder, exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(b"ok")
            os.unlink(path)
        else:
            saved = storage.save(name, ContentFile(b"ok"))
            storage.delete(saved)
    except Exception as exc:
        return f"not writable ({type(exc).__name__})"
    return "ok"


def check_cache(cache: BaseCache, prefix: str) -> str:
    key = f"{prefix}:health:{os.getpid()}:{secrets.token_hex(4)}"
    try:
        if not cache.add(key, "ok", timeout=5) or cache.get(key) != "ok":
            return "not answering correctly"
        cache.delete(key)
    except Exception as exc:
        return f"not answering ({type(exc).__name__})"
    return "ok"
