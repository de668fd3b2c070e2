"""Checking: `healthhub check` and `check --external`."""
