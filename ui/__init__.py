"""Spyglass's window: Qt widgets and view-models only; everything else lives in app/."""
