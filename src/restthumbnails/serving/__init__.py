"""Serving one thumbnail: the use case (service), the Django view, the wiring that
builds a service from settings, response backends, health and metrics."""
