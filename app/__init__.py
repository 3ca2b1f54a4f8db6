"""Spyglass: everything that is not a widget (request library, models, storage, playground)."""
