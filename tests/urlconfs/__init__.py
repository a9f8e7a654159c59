"""URL confs the tests mount."""
