"""HealthHub: a static site generator for health articles."""

__version__ = "0.1.0"
