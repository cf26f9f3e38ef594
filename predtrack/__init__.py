"""predtrack: track forecasts stated in articles, nag when they come due, score who was right."""

__version__ = "0.1.0"
