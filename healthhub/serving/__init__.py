"""Serving: the live preview, a client of build()."""
