"""Helpers the tests share: image builders, fake storages and engines, servers."""
