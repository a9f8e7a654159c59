"""On-demand image thumbnails behind signed URLs."""

__version__ = "0.1.0"
