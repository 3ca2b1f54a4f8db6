"""The terminal pane (SPEC 6.4): a request sent as a terminal session, painted as xterm would.

``keys`` turns key presses into xterm's bytes, ``terminal_view`` paints a
:class:`app.terminal.TerminalScreen`, ``terminal_controller`` runs the connection, and
``terminal_pane`` lays them out as the tab's fourth mode (``mode``)."""
