"""describe (reflection v1 then v1alpha, .proto files with imports across folders) and
template, against the tests' own grpcio server."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import json_format

from app.client.errors import RequestError, UsageError
from app.grpc import Method, Service, describe, template
from app.grpc.messages import message_class

from .servers import IMPORT_PATHS, INVENTORY, SERVICE, InventoryServer

EXPECTED = {
    "GetItem": (False, False), "ListItems": (False, True), "AddItems": (True, False),
    "Trade": (True, True), "Explode": (False, False), "Wait": (False, False),
    "Stamp": (False, False),
}


def _check_inventory(services: list[Service]) -> None:
    assert [service.name for service in services] == [SERVICE]
    methods = services[0].methods
    assert {m.name: (m.client_streaming, m.server_streaming) for m in methods} == EXPECTED
    get_item = methods[0]
    assert get_item == Method("GetItem", f"{SERVICE}/GetItem", "test.inventory.ItemRequest",
                              "test.inventory.Item", False, False)


async def test_reflection_lists_the_services_without_the_reflection_service(
    inventory: InventoryServer,
) -> None:
    _check_inventory(await describe(inventory.target))


async def test_reflection_v1alpha_only(v1alpha_only: InventoryServer) -> None:
    _check_inventory(await describe(v1alpha_only.target))


async def test_reflection_v1_only(v1_only: InventoryServer) -> None:
    _check_inventory(await describe(v1_only.target))


async def test_a_server_without_reflection_is_a_request_error(
    no_reflection: InventoryServer,
) -> None:
    with pytest.raises(RequestError, match="does not offer server reflection"):
        await describe(no_reflection.target)


async def test_an_unreachable_target_is_a_request_error(closed_port: int) -> None:
    with pytest.raises(RequestError, match=f"Cannot reach 127.0.0.1:{closed_port}"):
        await describe(f"127.0.0.1:{closed_port}")


async def test_protos_with_imports_across_folders() -> None:
    services = await describe(protos=[INVENTORY], import_paths=IMPORT_PATHS)
    _check_inventory(services)
    # The imported file's message and the well-known types resolved.
    item = template(services, "test.inventory.Item")
    assert item["price"] == {"currency": "", "units": "0"}
    assert item["updated"] == "1970-01-01T00:00:00Z"


async def test_a_relative_proto_is_found_in_the_import_paths(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As protoc and grpcurl: "api/inventory.proto" under an import path, whatever the
    # current folder.
    monkeypatch.chdir(tmp_path)
    root = Path(INVENTORY).parent.parent
    services = await describe(protos=["api/inventory.proto"],
                              import_paths=[root, *IMPORT_PATHS])
    _check_inventory(services)
    with pytest.raises(UsageError, match=r"No such \.proto file"):
        await describe(protos=["api/inventory.proto"], import_paths=IMPORT_PATHS)


async def test_a_proto_outside_every_import_path_finds_its_own_folder(tmp_path: Path) -> None:
    proto = tmp_path / "alone.proto"
    proto.write_text('syntax = "proto3"; package alone;\n'
                     'import "google/protobuf/empty.proto";\n'
                     "service Solo { rpc Ping(google.protobuf.Empty) returns "
                     "(google.protobuf.Empty); }\n")
    services = await describe(protos=[str(proto)])
    assert [m.full_name for m in services[0].methods] == ["alone.Solo/Ping"]
    assert services[0].methods[0].input_type == "google.protobuf.Empty"


async def test_a_proto_that_does_not_compile_is_a_usage_error_with_protocs_message(
    tmp_path: Path,
) -> None:
    proto = tmp_path / "broken.proto"
    proto.write_text('syntax = "proto3";\nmessage Broken { Nowhere field = 1; }\n')
    with pytest.raises(UsageError, match='"Nowhere" is not defined') as caught:
        await describe(protos=[proto])
    assert "broken.proto:2" in str(caught.value)


async def test_a_missing_import_names_the_file(tmp_path: Path) -> None:
    proto = tmp_path / "importer.proto"
    proto.write_text('syntax = "proto3";\nimport "common/money.proto";\n')
    with pytest.raises(UsageError, match=r"common/money\.proto"):
        await describe(protos=[proto])


async def test_missing_files_and_folders_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"No such \.proto file"):
        await describe(protos=[tmp_path / "nope.proto"])
    with pytest.raises(UsageError, match="No such import path"):
        await describe(protos=[INVENTORY], import_paths=[tmp_path / "nowhere"])
    with pytest.raises(UsageError, match="host:port"):
        await describe()


async def test_a_changed_proto_is_compiled_again(tmp_path: Path) -> None:
    proto = tmp_path / "live.proto"
    proto.write_text('syntax = "proto3"; package live; message A { string a = 1; }\n'
                     "service S { rpc One(A) returns (A); }\n")
    first = await describe(protos=[proto])
    assert [m.name for m in first[0].methods] == ["One"]
    proto.write_text('syntax = "proto3"; package live; message A { string a = 1; }\n'
                     "service S { rpc One(A) returns (A); rpc Two(A) returns (A); }\n")
    second = await describe(protos=[proto])
    assert [m.name for m in second[0].methods] == ["One", "Two"]


async def test_template_fills_every_field(inventory: InventoryServer) -> None:
    services = await describe(inventory.target)
    item = template(services, "test.inventory.Item")
    assert item == {
        "sku": "", "quantity": "0", "weight": 0.0, "active": False, "blob": "",
        "kind": "KIND_UNSPECIFIED", "price": {"currency": "", "units": "0"}, "tags": [""],
        "stock": {"": 0}, "updated": "1970-01-01T00:00:00Z", "extra": {}, "limit": "0",
        # One member of a oneof stands for it: two would not parse.
        "shelf": "",
        "tree": {"name": "", "children": [{}]},
    }
    # What the template says parses back into the type.
    cls = message_class(services[0].pool, "test.inventory.Item")
    json_format.ParseDict(item, cls(), descriptor_pool=services[0].pool)


def test_template_of_an_unknown_type_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"No message type 'x\.Y'"):
        template([], "x.Y")
