"""Rendering: pages, listings, feeds, search, the A to Z, images and addresses from the site model."""
