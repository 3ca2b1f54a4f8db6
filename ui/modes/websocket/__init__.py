"""WebSocket: the controller, the console pane and its parts."""
