"""Caching: what changed since the last build, and the one cache that remembers it."""
