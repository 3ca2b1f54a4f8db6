"""Event streams (SSE): the controller, the live pane and its parts."""
