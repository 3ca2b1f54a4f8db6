"""Spyglass: everything that is not a widget (request library, models, storage, playground)."""

__version__ = "0.1.0"
