"""``spyglass --self-check``: is this installation whole?

Prints the versions of what Spyglass runs on, then checks, one line each, what a frozen bundle
most often loses on the way to a fresh machine: keyring's backends (found through entry points,
so through package metadata the bundle must carry), TLS certificates (a bundle's OpenSSL looks
where the build machine kept them), the playground and the request library end to end, and Qt's
platform plugins. Exit status 0 when every check passed, 1 otherwise.

The Qt checks live in ``ui/self_check.py`` (nothing in ``app`` imports Qt): the entry point
hands them in. They run last, each line printed and flushed as it comes, because Qt ends the
process when no platform plugin loads.
"""

from __future__ import annotations

import ctypes
import os
import platform
import ssl
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from app import __version__

__all__ = ["CheckResult", "run_self_check"]

#: The keyring backend that must be found on each system: (entry point name, class name).
_NATIVE_KEYRING = {
    "linux": ("SecretService", "Keyring"),
    "win32": ("Windows", "WinVaultKeyring"),
    "darwin": ("macOS", "Keyring"),
}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: a name, passed or not, and what was found."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        """The report's line: ``ok`` or ``FAIL``, the name, what was found."""
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def frozen() -> bool:
    """Whether this is a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def _version(module_name: str, distribution: str | None = None) -> str:
    """A library's version, or why it is missing; never raises."""
    import importlib
    from importlib import metadata

    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        return f"missing ({type(exc).__name__}: {exc})"
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    try:
        return metadata.version(distribution or module_name)
    except metadata.PackageNotFoundError:
        return "?"


def _header() -> list[str]:
    where = Path(sys.executable).parent if frozen() else Path(__file__).resolve().parent.parent
    kind = "frozen bundle" if frozen() else "from source"
    libc = " ".join(platform.libc_ver()) if sys.platform == "linux" else ""
    libraries = ", ".join(
        f"{name} {_version(module, dist)}"
        for name, module, dist in (
            ("PySide6", "PySide6", "PySide6-Essentials"),
            ("aiohttp", "aiohttp", None),
            ("qasync", "qasync", None),
            ("keyring", "keyring", None),
            ("platformdirs", "platformdirs", None),
            ("Pygments", "pygments", "Pygments"),
        )
    )
    return [
        f"spyglass {__version__} self-check ({kind}, {where})",
        f"  python     {platform.python_version()} ({platform.python_implementation()}) "
        f"{sys.executable}",
        f"  system     {platform.platform()} {platform.machine()} {libc}".rstrip(),
        f"  openssl    {ssl.OPENSSL_VERSION}",
        f"  libraries  {libraries}",
    ]


# -- keyring ------------------------------------------------------------------------------------


def check_keyring() -> CheckResult:
    """keyring finds its backends by entry points, and picks one that can store a secret."""
    from importlib import metadata

    import keyring
    import keyring.backend
    from keyring.backends import fail, null

    declared = sorted(ep.name for ep in metadata.entry_points(group="keyring.backends"))
    if not declared:
        return CheckResult("keyring", False, "no 'keyring.backends' entry points: keyring's "
                           "package metadata is missing, so it finds none of its backends")
    native = _NATIVE_KEYRING.get(sys.platform)
    if native is not None and native[0] not in declared:
        return CheckResult("keyring", False, f"the {native[0]} backend is not registered "
                           f"(entry points: {', '.join(declared)})")
    usable = sorted(f"{type(ring).__module__.rsplit('.', 1)[-1]}.{type(ring).__name__}"
                    for ring in keyring.backend.get_all_keyring())
    chosen = keyring.get_keyring()
    found = f"entry points: {', '.join(declared)}; usable here: {', '.join(usable) or 'none'}"
    if isinstance(chosen, fail.Keyring | null.Keyring):
        return CheckResult("keyring", False, f"no backend that can store secrets "
                           f"({_why_native_unusable(native)}); {found}")
    source = " (chosen by PYTHON_KEYRING_BACKEND)" if os.environ.get("PYTHON_KEYRING_BACKEND") \
        else ""
    return CheckResult("keyring", True, f"{chosen}{source}; {found}")


def _why_native_unusable(native: tuple[str, str] | None) -> str:
    """The native backend's own reason for refusing this machine (its priority raises it)."""
    if native is None:
        return f"keyring has no native backend for {sys.platform}"
    from importlib import import_module

    try:
        backend = getattr(import_module(f"keyring.backends.{native[0]}"), native[1])
        priority = backend.priority
    except Exception as exc:
        return f"{native[0]}: {exc}"
    return f"{native[0]} has priority {priority} but was not chosen"


# -- TLS ----------------------------------------------------------------------------------------


def _ca_count(context: ssl.SSLContext) -> int:
    return int(context.cert_store_stats()["x509_ca"])


def check_tls() -> CheckResult:
    """Python's default context and the request library's context hold CA certificates."""
    # The request library builds its own context (verification, CA file, timings): check that
    # one, since it is what every request of the window uses.
    from app.client.tls import ssl_context

    paths = ssl.get_default_verify_paths()
    from_env = os.environ.get(paths.openssl_cafile_env) or os.environ.get(paths.openssl_capath_env)
    source = from_env or paths.cafile or paths.capath or "the system store"
    default = _ca_count(ssl.create_default_context())
    client = _ca_count(ssl_context(True, None, None))
    # A hashed certificate folder (capath) is read on demand: counted as empty until used.
    on_demand = bool(paths.capath and Path(paths.capath).is_dir()
                     and any(Path(paths.capath).glob("*.0")))
    detail = f"{default} CA certificates in the default context, {client} in the request " \
             f"library's, from {source}"
    if default and client:
        return CheckResult("tls", True, detail)
    if on_demand:
        return CheckResult("tls", True, f"CA certificates read on demand from {paths.capath}")
    return CheckResult("tls", False, f"{detail}: HTTPS servers cannot be verified "
                       "(install ca-certificates, or set SSL_CERT_FILE)")


# -- playground ---------------------------------------------------------------------------------


def check_playground() -> CheckResult:
    """Start the playground, GET /echo through the request library, stop it."""
    from app.client import Request, Session
    from app.playground.background import BackgroundPlayground

    playground = BackgroundPlayground()
    started = time.perf_counter()
    url = playground.start()
    try:
        with Session(url, timeout=10) as session:
            request = Request(session, "GET", "/echo", params={"check": "self"})
            with request.fetch() as response:
                status, body = response.status, response.json()
    finally:
        playground.stop()
    took = (time.perf_counter() - started) * 1000
    detail = f"GET {url}/echo -> {status} (start, request and stop in {took:.0f} ms)"
    echoed = isinstance(body, dict) and body.get("method") == "GET" \
        and body.get("query_dict") == {"check": ["self"]}
    if status == 200 and echoed:
        return CheckResult("playground", True, detail)
    return CheckResult("playground", False, f"{detail}, unexpected echo: {body!r:.200}")


# -- terminal ---------------------------------------------------------------------------------


def check_terminal() -> CheckResult:
    """A terminal end to end: the playground's raw terminal runs /bin/sh on a pseudo-terminal,
    and connect_terminal (the WebSocket, the codec, pyte's screen) shows what it printed."""
    import asyncio

    from app.playground.pty_process import HAVE_PTY

    if not HAVE_PTY:
        return CheckResult("terminal", True, "no pseudo-terminals on this system: the "
                           "playground's terminals answer 501; remote terminals work")
    from app.client import AsyncSession, Request
    from app.playground.background import BackgroundPlayground
    from app.terminal import connect_terminal

    playground = BackgroundPlayground(terminal_command="/bin/sh")
    url = playground.start()
    started = time.perf_counter()

    async def session() -> str:
        async with AsyncSession(url.replace("http", "ws", 1), timeout=10) as client:
            request = Request(client, "GET", "/terminal/raw",
                              params={"token": playground.token or ""})
            async with connect_terminal(request, "raw") as term:
                await term.send_input("echo spyglass-$((6 * 7))\r")
                return await term.wait_for("spyglass-42", timeout=10)

    try:
        found = asyncio.run(session())
    finally:
        playground.stop()
    took = (time.perf_counter() - started) * 1000
    return CheckResult("terminal", True, f"/bin/sh on a pseudo-terminal answered {found!r} "
                       f"through {url}/terminal/raw in {took:.0f} ms")


# -- reach: cookies, proxies, certificates ------------------------------------------------------


def check_reach() -> CheckResult:
    """What cookies, SOCKS proxies and client certificates need at run time: cryptography's
    compiled core (the cookie jar's encryption, PKCS#12 and encrypted keys) and aiohttp-socks
    (imported only when a SOCKS proxy is first used, so a bundle could lose it unseen)."""
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.asymmetric import ec

    key = Fernet.generate_key()
    sealed = Fernet(key).encrypt(b"self-check")
    if Fernet(key).decrypt(sealed) != b"self-check":
        return CheckResult("reach", False, "cryptography's Fernet did not give back what it sealed")
    ec.generate_private_key(ec.SECP256R1())  # the OpenSSL inside cryptography works
    import aiohttp_socks

    return CheckResult("reach", True, f"cryptography {_version('cryptography')} (Fernet, keys), "
                       f"aiohttp-socks {getattr(aiohttp_socks, '__version__', '?')}")


# -- gRPC and GraphQL ----------------------------------------------------------------------------


def check_grpc() -> CheckResult:
    """gRPC end to end: the playground's gRPC server described by reflection, a unary call
    through ``app.grpc`` (its own thread and loop, grpcio's C core), a server stream (read on
    grpcio's synchronous channel), and the playground's .proto compiled at run time
    (grpcio-tools' protoc and the well-known types it bundles)."""
    import asyncio

    from app import grpc as app_grpc
    from app.playground.background import BackgroundPlayground
    from app.playground.grpc_server import PROTO, SERVICE

    playground = BackgroundPlayground()
    playground.start()
    started = time.perf_counter()
    target = playground.grpc_target
    if target is None:
        playground.stop()
        return CheckResult("grpc", False, "the playground started no gRPC server")

    async def session() -> tuple[int, str, int, str]:
        services = await app_grpc.describe(target)
        result = await app_grpc.call(target, f"{SERVICE}/Echo", [{"text": "self-check"}])
        counted = await app_grpc.call(target, f"{SERVICE}/Count", [{"count": 3}])
        compiled = await app_grpc.describe(protos=[str(PROTO)])
        text = result.responses[0].get("text", "") if result.responses else result.code
        numbers = ",".join(str(r.get("number")) for r in counted.responses) or counted.code
        return len(services), str(text), len(compiled), numbers

    try:
        reflected, echoed, compiled, counted = asyncio.run(session())
    finally:
        playground.stop()
        app_grpc.close()
    took = (time.perf_counter() - started) * 1000
    detail = (f"{reflected} service(s) by reflection from {target}, Echo answered {echoed!r}, "
              f"Count streamed {counted}, {compiled} from the compiled .proto, in {took:.0f} ms "
              f"(grpcio {_version('grpc', 'grpcio')}, "
              f"protobuf {_version('google.protobuf', 'protobuf')})")
    ok = echoed == "self-check" and counted == "1,2,3" and compiled >= 1
    return CheckResult("grpc", ok, detail)


def check_graphql() -> CheckResult:
    """GraphQL: graphql-core validates and completes a document, and the editor's analysis
    child (this program started again with ``--graphql-worker``: in a bundle, the bundle's
    own executable) answers with the same problems."""
    import asyncio

    from app.graphql import AnalysisWorker, complete, schema_from_sdl, validate

    schema = schema_from_sdl("type Query { hello(name: String): String, count: Int }")
    query = "{ hello(name: 1) nope }"
    problems = validate(schema, query)
    labels = [s.label for s in complete(schema, "{ h }", 1, 4)]
    worker = AnalysisWorker(timeout_s=30)
    try:
        analysis = asyncio.run(worker.analyse(1, schema, query))
    finally:
        worker.close()
    child = len(analysis.problems) if analysis is not None else -1
    ok = len(problems) == 2 and child == 2 and "hello" in labels
    return CheckResult("graphql", ok, f"graphql-core {_version('graphql', 'graphql-core')}: "
                       f"{len(problems)} problems found here and {child} by the analysis "
                       f"child, completion offered {labels}")


# -- the report ---------------------------------------------------------------------------------


def _where(exc: BaseException) -> str:
    """Where the first cause of ``exc`` was raised (a bundle's report says what is missing
    from it, not only that something is)."""
    import traceback

    while exc.__cause__ is not None:
        exc = exc.__cause__
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    kind = type(exc).__name__
    return f" ({kind} at {Path(last.filename).name}:{last.lineno} in {last.name})"


def _run(name: str, check: Callable[[], CheckResult]) -> CheckResult:
    try:
        return check()
    except Exception as exc:  # a check that cannot run has failed; say why, go on
        return CheckResult(name, False, f"{type(exc).__name__}: {exc}{_where(exc)}")


def _console_output() -> None:
    """A windowed Windows build has no stdout: write to the console it was started from."""
    if sys.platform == "win32" and sys.stdout is None and ctypes.windll.kernel32.AttachConsole(-1):
        sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115  (for the process)


def run_self_check(more: Callable[[], Iterable[CheckResult]] | None = None) -> int:
    """Print versions and one line per check, then those ``more`` yields (the window's Qt
    checks); 0 when every check passed, else 1."""
    _console_output()
    for line in _header():
        print(line, flush=True)
    results: list[CheckResult] = []

    def report(result: CheckResult) -> None:
        results.append(result)
        print(result.line(), flush=True)

    report(_run("keyring", check_keyring))
    report(_run("tls", check_tls))
    report(_run("playground", check_playground))
    report(_run("terminal", check_terminal))
    report(_run("reach", check_reach))
    report(_run("grpc", check_grpc))
    report(_run("graphql", check_graphql))
    if more is not None:
        for result in more():
            report(result)
    failed = [result.name for result in results if not result.ok]
    if failed:
        print(f"self-check FAILED: {', '.join(failed)}", flush=True)
        return 1
    print(f"self-check passed ({len(results)} checks)", flush=True)
    return 0
