"""The collection runner in the window: its view-model, its table of results, its dialog."""
