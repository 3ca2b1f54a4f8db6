"""The response pane: status, timings, headers and the body viewers."""
