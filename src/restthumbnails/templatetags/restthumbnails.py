"""`{% load restthumbnails %}`: the same tags as `{% load thumbnail %}`.

sorl-thumbnail and easy-thumbnails both call their library `thumbnail`; a project
moving from one of them loads ours under this name while both are installed.
"""

from .thumbnail import register

__all__ = ["register"]
