"""geo_clsm: where mental-health help is, and where it is missing."""

__version__ = "0.1.0"
