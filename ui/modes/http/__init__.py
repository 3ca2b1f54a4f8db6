"""Plain HTTP: the send controller; its pane is the response pane (``ui.response``)."""
