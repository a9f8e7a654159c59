"""The pure core: URL spec, signing, geometry, placement, policy, formats, URL and
markup building. Nothing here imports Django, Pillow or does I/O."""
