"""The fault table: each case a test that also records what the user sees (see table.py)."""
