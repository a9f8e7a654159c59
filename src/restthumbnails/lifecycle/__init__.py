"""The thumbnail lifecycle: warm ahead of traffic, clean up, count.

Framework-light: each module takes storages, a service and keys as arguments;
`commands.py` is the only one that reads settings, for the `thumbnails`
management command and the standalone `restthumbnails warm|clean|stats`.
"""
