"""Fault cases: ``{{variables}}`` from a shared collection built to grow (a few KiB of
references to a long value), when they are resolved and when a request is composed."""

from __future__ import annotations

import pytest

from app.client import AsyncSession
from app.interchange import to_python_client
from app.model.compose import ComposeError, compose
from app.model.request import BodyKind, BodyModel, RequestModel
from app.model.templating import resolve_nested
from tests.faults.table import Witness, fault, shown

LONG = "x" * 60_000


@fault("Variables", "A URL referring 2,000 times to a 60 KB variable (114 MiB before)",
       sees="The variables in the url expand to more than 16 MiB: not sent",
       kept="refused before it is built; under 1 s and 16 MiB")
async def test_a_url_that_expands_past_the_cap(witness: Witness) -> None:
    model = RequestModel(url="http://127.0.0.1:1/" + "{{long}}" * 2000)
    async with AsyncSession() as session:
        with witness.bounded(seconds=1, mib=16), pytest.raises(ComposeError) as caught:
            compose(session, model, {"long": LONG})
    assert caught.value.field == "url"
    witness.saw(shown(caught.value))


@fault("Variables", "Variables that refer 2,000 times to a 60 KB variable, nested",
       sees="{{long}}", kept="left unexpanded past 64 KiB, as a cycle is; under 1 s and 16 MiB")
async def test_nested_variables_that_would_grow(witness: Witness) -> None:
    variables = {"wide": "{{long}}" * 2000, "long": LONG}
    with witness.bounded(seconds=1, mib=16):
        resolved = resolve_nested(variables)
    assert resolved["wide"] == variables["wide"]
    model = RequestModel(method="POST", url="http://127.0.0.1:1/",
                         body=BodyModel(kind=BodyKind.TEXT, text="{{wide}}"))
    async with AsyncSession() as session:
        with witness.bounded(seconds=1, mib=16):
            composed = compose(session, model, variables)
        composed.close()
    witness.saw(resolved["wide"][:40])


@fault("Variables", "Copy as Python of a URL referring 2,000 times to a 60 KB variable",
       sees="# Variables left as they are where they would add more than 16 MiB",
       kept="a script of a few KiB; under 1 s and 16 MiB")
def test_python_export_of_a_growing_url(witness: Witness) -> None:
    model = RequestModel(url="http://127.0.0.1:1/" + "{{long}}" * 2000)
    with witness.bounded(seconds=1, mib=16):
        script = to_python_client(model, {"long": LONG})
    assert len(script) < 64 * 1024
    compile(script, "<export>", "exec")
    witness.saw(script)
