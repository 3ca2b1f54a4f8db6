"""The stream panes of a request tab: Server-Sent Events and WebSocket."""
