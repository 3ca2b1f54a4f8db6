"""The limits a user may change in the window (Tools ▸ Limits…): :class:`LimitSettings`.

Each is a bound the library or the importers already apply with a default; here they are
one value the window keeps between runs and hands to whoever applies it: the session pool
(:meth:`LimitSettings.client_limits`: bodies and WebSocket messages), the event streams
(``max_event_size``), the imports (``import_bytes``) and the gRPC client
(:meth:`LimitSettings.grpc_settings`). Sizes are whole MiB and times whole seconds, the
units the dialog shows. A stored value that is not valid, or missing (a file from before
a setting was added), is its default (:meth:`LimitSettings.from_dict`), so a hand-edited or
old settings file never stops the window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.client import Limits
    from app.grpc import GrpcSettings

__all__ = ["MAX_GRPC_MESSAGE_MIB", "MAX_GRPC_SECONDS", "MAX_RATIO", "MAX_SIZE_MIB",
           "LimitSettings"]

_MIB = 1 << 20

#: The largest size any of the settings accepts (64 GiB): past the memory of any machine.
MAX_SIZE_MIB = 65536
#: The largest decompression ratio accepted; "off" (None) is for a trusted server.
MAX_RATIO = 1_000_000.0

#: The largest gRPC message accepted: grpc takes the limit as a 32-bit signed number of bytes.
MAX_GRPC_MESSAGE_MIB = 2047
#: The longest reflection (describe) timeout accepted, in seconds.
MAX_GRPC_SECONDS = 3600

#: The values a stored ratio may take to mean "off".
_OFF = ("off", "none", "")
#: The settings that are whole numbers, with their largest value (the least is 1).
_WHOLE = {"body_mib": MAX_SIZE_MIB, "event_mib": MAX_SIZE_MIB, "import_mib": MAX_SIZE_MIB,
          "message_mib": MAX_SIZE_MIB, "grpc_message_mib": MAX_GRPC_MESSAGE_MIB,
          "grpc_describe_seconds": MAX_GRPC_SECONDS}


@dataclass(frozen=True)
class LimitSettings:
    """What a response, an event or an import may make the window hold.

    - ``compression_ratio``: decoded bytes per compressed byte past which a body is refused
      as a decompression bomb (None: no check);
    - ``body_mib``: the largest body read whole into memory, an error's body included
      (of which at most 4 MiB is kept); bodies shown in the window stream to disk and have
      no size cap;
    - ``event_mib``: the largest single Server-Sent Event (a line or its data);
    - ``message_mib``: the largest single WebSocket message (in WebSocket and Terminal
      modes): a larger one ends the connection;
    - ``import_mib``: the largest file or pasted text imported;
    - ``grpc_message_mib``: the largest gRPC message sent or received (a larger one fails
      its call);
    - ``grpc_describe_seconds``: how long describing a target by server reflection (also
      the one before a call) may take.
    """

    # The defaults are those of the library and the importers (a test holds them equal),
    # written out: the window reads its settings before the first frame, and importing
    # app.client there would bring aiohttp with it (app.grpc, grpcio).
    compression_ratio: float | None = 1000.0
    body_mib: int = 256
    event_mib: int = 16
    import_mib: int = 64
    message_mib: int = 4
    grpc_message_mib: int = 64
    grpc_describe_seconds: int = 10

    def __post_init__(self) -> None:
        for name, most in _WHOLE.items():
            value = getattr(self, name)
            if (isinstance(value, bool) or not isinstance(value, int)
                    or _whole(value, most) is None):
                unit = "seconds" if name.endswith("_seconds") else "MiB"
                raise ValueError(f"LimitSettings({name}=...) must be a whole number of {unit} "
                                 f"from 1 to {most}, not {value!r}")
        ratio = self.compression_ratio
        if ratio is not None and (isinstance(ratio, bool) or not isinstance(ratio, int | float)
                                  or _ratio(ratio) is None):
            raise ValueError("LimitSettings(compression_ratio=...) must be from 1 to "
                             f"{MAX_RATIO:g} or None, not {ratio!r}")

    def client_limits(self) -> Limits:
        """The library's :class:`~app.client.Limits` for these settings: ``body_mib`` is the
        body read whole, and caps the error body kept for ``APIError`` too (4 MiB by default,
        or ``body_mib`` when less); the ratio's grace keeps the library's default;
        ``message_mib`` is the WebSocket message limit."""
        from app.client import Limits

        body = self.body_mib * _MIB
        return Limits(body=body, error_body=min(Limits.error_body, body),
                      compression_ratio=self.compression_ratio,
                      websocket_message=self.message_mib * _MIB)

    def grpc_settings(self) -> GrpcSettings:
        """The gRPC client's :class:`~app.grpc.GrpcSettings` for these settings (its other
        limits at their defaults), for :func:`app.grpc.set_default_settings`."""
        from app.grpc import GrpcSettings

        return GrpcSettings(max_message_bytes=self.grpc_message_mib * _MIB,
                            describe_timeout=float(self.grpc_describe_seconds))

    @property
    def max_event_size(self) -> int:
        """``event_mib`` in bytes, for ``connect_events(max_event_size=...)``."""
        return self.event_mib * _MIB

    @property
    def import_bytes(self) -> int:
        """``import_mib`` in bytes, for ``read_import`` and ``import_text``."""
        return self.import_mib * _MIB

    def to_dict(self) -> dict[str, float | int | None]:
        """The settings as plain values (the ratio None when off)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LimitSettings:
        """Settings from ``data`` as stored: numbers or their text (a settings file holds
        text), the ratio ``None`` or ``"off"`` when off. A value missing or not valid is
        the default: this never raises."""
        default = cls()
        stored = data.get("compression_ratio", default.compression_ratio)
        ratio: float | None = None
        if not (stored is None or (isinstance(stored, str) and stored.strip().lower() in _OFF)):
            ratio = _ratio(stored)
            if ratio is None:
                ratio = default.compression_ratio
        wholes = {}
        for name, most in _WHOLE.items():
            whole = _whole(data.get(name), most)
            wholes[name] = whole if whole is not None else getattr(default, name)
        return cls(compression_ratio=ratio, **wholes)


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _whole(value: object, most: int) -> int | None:
    """A whole number from 1 to ``most`` (a number or its text), or None."""
    number = _number(value)
    if number is None or not number.is_integer() or not 1 <= number <= most:
        return None
    return int(number)


def _ratio(value: object) -> float | None:
    """A finite ratio within range (a number or its text), or None."""
    number = _number(value)
    if number is None or not math.isfinite(number) or not 1 <= number <= MAX_RATIO:
        return None
    return number
