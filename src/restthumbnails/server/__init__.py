"""The standalone thumbnail server behind `restthumbnails serve`: no Django project needed."""
