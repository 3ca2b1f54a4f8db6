"""The bounded YAML loader (app/storage/yaml_load.py): honest documents load as PyYAML
loads them, bombs and cycles stop at once, the same with libyaml and without."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from app.storage.yaml_load import (
    FastLoader,
    InputTooLarge,
    YAMLLimitError,
    load_yaml,
    read_limited,
    read_stream_limited,
)
from tests.faults.samples import laughs

LOADERS = [yaml.SafeLoader, FastLoader]


@pytest.mark.parametrize("loader", LOADERS)
def test_anchors_and_merge_keys_within_the_budget_load(loader: type[yaml.SafeLoader]) -> None:
    text = "base: &b {a: 1, b: [1, 2]}\nx: {<<: *b, c: 3}\nys: [*b, *b, *b]\n"
    assert load_yaml(text, loader) == yaml.load(text, Loader=yaml.SafeLoader)
    assert load_yaml(b"k: v", loader) == {"k": "v"}
    assert load_yaml("", loader) is None


@pytest.mark.parametrize("loader", LOADERS)
def test_expansion_past_the_budget_is_refused(loader: type[yaml.SafeLoader]) -> None:
    three = "\n".join(laughs(levels=3, width=10)) + "\n"  # c expands to 10 + 100 + 1000 nodes
    assert load_yaml(three, loader, budget=2000)["c"][0][0] == ["lol"] * 10
    with pytest.raises(YAMLLimitError, match="expand to more than 1,000 extra nodes") as caught:
        load_yaml(three, loader, budget=1000)
    assert caught.value.problem_mark is not None and caught.value.problem_mark.line == 2


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text", ["a: &a [*a]", "a: &a {k: *a}", "a: &a [1, [2, *a]]"])
def test_an_alias_inside_its_own_anchor_is_refused(loader: type[yaml.SafeLoader],
                                                   text: str) -> None:
    with pytest.raises(YAMLLimitError, match="inside itself"):
        load_yaml(text, loader)


def test_deep_nesting_is_a_yaml_error_not_a_recursion_error() -> None:
    deep = "[" * 5000 + "]" * 5000
    for loader in LOADERS:
        with pytest.raises(yaml.YAMLError):
            load_yaml(deep, loader)


@given(st.recursive(st.none() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c,
                                                                          max_size=3)))
def test_documents_without_anchors_load_as_pyyaml_loads_them(value: object) -> None:
    text = yaml.safe_dump(value)
    assert load_yaml(text) == yaml.safe_load(text)


def test_reading_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_limited(path, 10) == b"x" * 10
    with pytest.raises(InputTooLarge, match="larger than 9 bytes"):
        read_limited(path, 9)
    assert read_stream_limited(io.BytesIO(b"x" * 100), 5) == b"x" * 6


def _expanded(value: object) -> int:
    """Nodes of ``value`` written out: what a consumer walking it meets."""
    if isinstance(value, list):
        return 1 + sum(_expanded(v) for v in value)
    if isinstance(value, dict):
        return 1 + sum(1 + _expanded(v) for v in value.values())
    return 1


def _written(text: str) -> int:
    """Distinct nodes of the YAML in ``text``: what it holds written as it is."""
    seen: set[int] = set()
    stack = [yaml.compose(text, Loader=yaml.SafeLoader)]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
    return len(seen)


@given(st.lists(st.lists(st.integers(0, 30), max_size=6), min_size=1, max_size=8))
def test_what_loads_stays_within_the_budget(uses: list[list[int]]) -> None:
    """Random alias graphs: each anchor a list of aliases of earlier ones. What loads expands
    to at most the nodes written plus the budget; the rest is refused."""
    lines = ["a0: &a0 [x]"]
    for i, refs in enumerate(uses, start=1):
        items = ", ".join(f"*a{r % i}" for r in refs) or "y"
        lines.append(f"a{i}: &a{i} [{items}]")
    text = "\n".join(lines)
    try:
        value = load_yaml(text, budget=500)
    except YAMLLimitError:
        return
    assert _expanded(value) <= _written(text) + 500
