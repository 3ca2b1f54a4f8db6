"""gRPC's environment, set before grpc is first imported (its C core reads it once then).

No fork handlers: the only forks here are the playground's terminals, which exec at once; with
the handlers on, grpc logs a line for each fork made while its threads run. Only errors on
stderr: not a line for each server that says goodbye. A value the user set is kept.
"""

from __future__ import annotations

import os

__all__: list[str] = []

os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
