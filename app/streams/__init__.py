"""Stream buffers: the logs of event streams and WebSocket messages."""
