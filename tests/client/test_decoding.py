"""The library's own Content-Encoding decoders (``app.client.decoding``): pure, fed split
anywhere, output bounded per call, and counting the compressed bytes they consume, which is
what tells a decompression bomb from a body that merely compresses well."""

from __future__ import annotations

import asyncio
import gzip
import os
import zlib

import brotli  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.client.decoding import BodyDecoder, DecodingError, decoder_for, read_decoded
from tests.faults.hostile_server import gzip_bomb

MIB = 1 << 20


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


ENCODERS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "deflate-raw": _raw_deflate,  # sent as "deflate" by some servers
    "br": brotli.compress,
    "identity": lambda data: data,
}


def drain(decoder: BodyDecoder, encoded: bytes, cuts: list[int], size: int) -> bytes:
    """Feed ``encoded`` cut at ``cuts``, asking for ``size`` bytes at a time."""
    out = bytearray()
    start = 0
    for cut in [*sorted(cuts), len(encoded)]:
        piece = decoder.decode(encoded[start:cut], size)
        assert len(piece) <= size
        out += piece
        while decoder.pending:
            piece = decoder.more(size)
            assert len(piece) <= size
            out += piece
        start = cut
    decoder.finish()
    return bytes(out)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(ENCODERS)), data=st.binary(max_size=3000),
       repeat=st.integers(1, 40), cuts=st.lists(st.integers(0, 4000), max_size=8),
       size=st.integers(1, 5000))
def test_any_body_decodes_whole_split_anywhere(
    name: str, data: bytes, repeat: int, cuts: list[int], size: int
) -> None:
    body = data * repeat
    encoded = ENCODERS[name](body)
    decoder = decoder_for(name.removesuffix("-raw"))
    cuts = [c for c in cuts if c <= len(encoded)]
    assert drain(decoder, encoded, cuts, size) == body
    assert decoder.produced == len(body)
    assert decoder.consumed == len(encoded)


def test_gzip_members_in_a_row_decode_as_one_body() -> None:
    encoded = gzip.compress(b"first ") + gzip.compress(b"second")
    assert drain(decoder_for("gzip"), encoded, [3, 25], 4) == b"first second"


@pytest.mark.parametrize("name", ["gzip", "deflate", "br"])
def test_a_cut_stream_is_a_decoding_error(name: str) -> None:
    encoded = ENCODERS[name](os.urandom(5000))
    with pytest.raises(DecodingError, match="ended"):
        drain(decoder_for(name), encoded[: len(encoded) // 2], [], 1024)


@pytest.mark.parametrize("name", ["gzip", "br"])
def test_garbage_is_a_decoding_error(name: str) -> None:
    with pytest.raises(DecodingError, match=f"invalid {name}"):
        drain(decoder_for(name), b"\x1f\x8b\x08\x00garbage that is not a stream" * 4, [], 1024)


def test_unknown_codings_pass_through() -> None:
    assert drain(decoder_for("compress, gzip"), b"as sent", [2], 3) == b"as sent"


def test_a_bomb_shows_its_ratio_as_it_expands() -> None:
    """Half-way through a 64 MiB bomb whose 64 KiB arrived at once, the decoder has consumed
    only what it decoded: the ratio is plain after the first MiBs, not at the end."""
    encoded = gzip_bomb(64)
    decoder = decoder_for("gzip")
    produced = len(decoder.decode(encoded, MIB))
    while produced < 8 * MIB:
        produced += len(decoder.more(MIB))
    assert decoder.produced == produced
    assert produced / decoder.consumed > 1000
    assert decoder.pending


def test_read_decoded_reads_a_stream_in_bounded_pieces() -> None:
    """The async reader asks its source for at most ``size`` bytes and gives at most
    ``size`` decoded bytes a time, ``b""`` at the end."""
    body = os.urandom(100_000)
    encoded = gzip.compress(body)

    class Source:
        def __init__(self) -> None:
            self.at = 0

        async def read(self, n: int = -1) -> bytes:
            assert 0 < n <= 4096
            chunk = encoded[self.at : self.at + n]
            self.at += len(chunk)
            return chunk

    async def run() -> bytes:
        source, decoder, out = Source(), decoder_for("gzip"), bytearray()
        while piece := await read_decoded(source, decoder, 4096):
            assert len(piece) <= 4096
            out += piece
        return bytes(out)

    assert asyncio.run(run()) == body


def test_output_held_inside_zlib_comes_out_with_no_more_input() -> None:
    # Found by the property test: with every input byte consumed, zlib can still hold decoded
    # bytes when a call stopped at its output bound; they must come out, not fail at finish.
    body = b"\x90\x00\x00\x00\x00\x00\x00\x00\x00\x90\x90\x90\x90\x91\x91\x90" * 38
    decoder = decoder_for("deflate")
    assert drain(decoder, _raw_deflate(body), [], 1) == body
