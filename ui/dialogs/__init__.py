"""Dialogs the window opens: the environment editor, collection variables, save, history
limits, import and export."""
