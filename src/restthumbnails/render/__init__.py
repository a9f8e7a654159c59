"""Turning a source into a thumbnail: engines, animation, faces, source cost checks,
fallback, overload, and the render pool (`render.pool`)."""
