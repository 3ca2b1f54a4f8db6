"""LimitSettings: the defaults are the library's, values are checked, a stored value that is
not valid falls back to its default, and the settings reach the sessions of the pool."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from aiohttp import web

from app.client import ErrorKind, Limits, RequestError
from app.client.sse import DEFAULT_MAX_EVENT_SIZE
from app.grpc import GrpcSettings
from app.interchange import MAX_IMPORT_BYTES, InterchangeError, import_text, read_import
from app.model.compose import SessionPool, compose
from app.model.limit_settings import (
    MAX_GRPC_MESSAGE_MIB,
    MAX_GRPC_SECONDS,
    MAX_SIZE_MIB,
    LimitSettings,
)
from app.model.request import RequestModel, RequestOptions

MIB = 1 << 20


def test_the_defaults_are_those_of_the_library_and_the_importers() -> None:
    settings = LimitSettings()
    library = Limits()
    assert settings.client_limits() == library
    assert settings.compression_ratio == library.compression_ratio
    assert settings.body_mib * MIB == library.body
    assert settings.message_mib * MIB == library.websocket_message
    assert settings.max_event_size == DEFAULT_MAX_EVENT_SIZE
    assert settings.import_bytes == MAX_IMPORT_BYTES
    assert settings.grpc_settings() == GrpcSettings()


def test_the_grpc_limits_convert_to_the_grpc_clients_settings() -> None:
    settings = LimitSettings(grpc_message_mib=5, grpc_describe_seconds=3).grpc_settings()
    assert settings == GrpcSettings(max_message_bytes=5 * MIB, describe_timeout=3.0)
    # grpc takes a message limit as a 32-bit signed number of bytes: the largest fits.
    most = LimitSettings(grpc_message_mib=MAX_GRPC_MESSAGE_MIB).grpc_settings()
    assert most.max_message_bytes <= 2**31 - 1


def test_conversion_to_the_library_limits() -> None:
    limits = LimitSettings(compression_ratio=None, body_mib=300).client_limits()
    assert limits == Limits(body=300 * MIB, compression_ratio=None)
    # The error body kept for APIError is read whole too: the setting caps it as well.
    assert LimitSettings(body_mib=1).client_limits() == Limits(body=MIB, error_body=MIB)
    assert LimitSettings(compression_ratio=2.5).client_limits().compression_ratio == 2.5
    assert LimitSettings(event_mib=2, import_mib=5).max_event_size == 2 * MIB
    assert LimitSettings(event_mib=2, import_mib=5).import_bytes == 5 * MIB
    assert LimitSettings(message_mib=20).client_limits() == Limits(websocket_message=20 * MIB)


@pytest.mark.parametrize("changes", [
    {"compression_ratio": 0.5}, {"compression_ratio": float("inf")},
    {"compression_ratio": float("nan")}, {"compression_ratio": True},
    {"compression_ratio": "2"}, {"body_mib": 0}, {"body_mib": -1},
    {"body_mib": MAX_SIZE_MIB + 1}, {"event_mib": 1.5}, {"import_mib": True},
    {"import_mib": "64"}, {"message_mib": 0}, {"message_mib": 2.5}, {"message_mib": None},
    {"message_mib": MAX_SIZE_MIB + 1}, {"grpc_message_mib": 0},
    {"grpc_message_mib": MAX_GRPC_MESSAGE_MIB + 1}, {"grpc_message_mib": 1.5},
    {"grpc_message_mib": "64"}, {"grpc_describe_seconds": 0},
    {"grpc_describe_seconds": MAX_GRPC_SECONDS + 1}, {"grpc_describe_seconds": 2.5},
    {"grpc_describe_seconds": True}, {"grpc_describe_seconds": None},
])
def test_values_out_of_range_or_of_the_wrong_type_are_refused(changes: dict[str, object]
                                                              ) -> None:
    with pytest.raises(ValueError, match="LimitSettings"):
        LimitSettings(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("settings", [
    LimitSettings(), LimitSettings(compression_ratio=None),
    LimitSettings(compression_ratio=2.0, body_mib=1, event_mib=MAX_SIZE_MIB, import_mib=7),
    LimitSettings(message_mib=1), LimitSettings(message_mib=MAX_SIZE_MIB),
    LimitSettings(grpc_message_mib=1, grpc_describe_seconds=MAX_GRPC_SECONDS),
    LimitSettings(grpc_message_mib=MAX_GRPC_MESSAGE_MIB, grpc_describe_seconds=1),
])
def test_round_trip_through_a_dict(settings: LimitSettings) -> None:
    assert LimitSettings.from_dict(settings.to_dict()) == settings
    # A settings file gives back text.
    as_text = {k: "off" if v is None else str(v) for k, v in settings.to_dict().items()}
    assert LimitSettings.from_dict(as_text) == settings


def test_the_grpc_limits_refused_say_their_unit_and_range() -> None:
    with pytest.raises(ValueError, match=f"whole number of MiB from 1 to {MAX_GRPC_MESSAGE_MIB}"):
        LimitSettings(grpc_message_mib=4096)
    with pytest.raises(ValueError, match=f"whole number of seconds from 1 to {MAX_GRPC_SECONDS}"):
        LimitSettings(grpc_describe_seconds=0)


def test_settings_stored_before_the_grpc_limits_load_with_their_defaults() -> None:
    stored = {"compression_ratio": "500", "body_mib": "100", "event_mib": "2",
              "import_mib": "3", "message_mib": "5"}
    loaded = LimitSettings.from_dict(stored)
    assert loaded == LimitSettings(compression_ratio=500.0, body_mib=100, event_mib=2,
                                   import_mib=3, message_mib=5)
    assert (loaded.grpc_message_mib, loaded.grpc_describe_seconds) == (64, 10)
    bad = {"grpc_message_mib": "4096", "grpc_describe_seconds": "-1"}
    assert LimitSettings.from_dict(bad) == LimitSettings()
    good = {"grpc_message_mib": "128", "grpc_describe_seconds": " 30 "}
    assert LimitSettings.from_dict(good) == LimitSettings(grpc_message_mib=128,
                                                          grpc_describe_seconds=30)


def test_a_bad_stored_value_falls_back_to_its_default_alone() -> None:
    stored = {"compression_ratio": "lots", "body_mib": "-3", "event_mib": "2",
              "import_mib": [1, 2], "message_mib": "0"}
    assert LimitSettings.from_dict(stored) == LimitSettings(event_mib=2)
    assert LimitSettings.from_dict({"message_mib": "12"}) == LimitSettings(message_mib=12)
    assert LimitSettings.from_dict({"message_mib": "off"}) == LimitSettings()
    assert LimitSettings.from_dict({}) == LimitSettings()
    assert LimitSettings.from_dict({"compression_ratio": "0.1", "body_mib": "1e9"}) == (
        LimitSettings())
    assert LimitSettings.from_dict({"compression_ratio": "OFF"}).compression_ratio is None
    assert LimitSettings.from_dict({"compression_ratio": None}).compression_ratio is None
    assert LimitSettings.from_dict({"compression_ratio": " 12 "}).compression_ratio == 12.0


def _compressible(size: int) -> bytes:
    """JSON lines that compress some 10 to 20 times: far below the default ratio."""
    return b"".join(b'{"n": %d, "name": "item %d"}\n' % (i, i) for i in range(size // 30))


async def test_the_pool_applies_its_limits_to_new_and_open_sessions() -> None:
    body = gzip.compress(_compressible(12 * MIB))

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Encoding": "gzip",
                                                "Content-Type": "application/json"})

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    pool = SessionPool()
    model = RequestModel(url=f"http://127.0.0.1:{port}/")

    async def size() -> int:
        composed = compose(pool.get(model.options), model)
        async with composed.request.fetch() as response:
            return len(await response.read())

    try:
        assert await size() > 12 * MIB - 100
        session = pool.get(model.options)
        pool.set_limits(LimitSettings(compression_ratio=2.0))
        assert pool.get(model.options) is session  # kept: its cookies and connections
        assert session.limits.compression_ratio == 2.0
        with pytest.raises(RequestError) as caught:
            await size()
        assert caught.value.kind is ErrorKind.TOO_LARGE
        pool.set_limits(LimitSettings(body_mib=1))
        with pytest.raises(RequestError, match="larger than 1 MiB"):
            await size()
        assert pool.get(RequestOptions(follow_redirects=False)).limits.body == MIB
        pool.set_limits(LimitSettings(message_mib=9))
        assert session.limits.websocket_message == 9 * MIB
    finally:
        await pool.close()
        await runner.cleanup()


def test_imports_read_and_parse_up_to_the_limit_given(tmp_path: Path) -> None:
    text = "curl http://127.0.0.1/one\n" + "#" * (2 * MIB) + "\n"
    path = tmp_path / "big.sh"
    path.write_text(text)
    with pytest.raises(InterchangeError, match="larger than 1 MiB"):
        read_import(path, 1 * MIB)
    with pytest.raises(InterchangeError, match="larger than 1 MiB"):
        import_text(text, limit=1 * MIB)
    assert read_import(path, 3 * MIB) == text
    assert import_text(text, limit=3 * MIB).request_count == 1
