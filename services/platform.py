"""`llm4gov up`: the four services as local processes on 127.0.0.1, with the embedded defaults.

Not a service: the launcher only starts `llm4gov serve <service>` processes with the environment that
wires them together (one data directory, so one SQLite job store and one local object store; the
anonymizer's URL for the teacher and inference; one local admin API key), waits until each is ready,
and stops them all — in reverse order, each given time to finish what it is doing — on Ctrl-C.

The local admin key is generated once into `<data dir>/local-admin.key` (mode 0600); services only ever
see its SHA-256.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shared.auth import generate_api_key, hash_api_key
from shared.clients import is_ready
from shared.processes import die_with_parent, service_command, stop_process

SERVICE_ORDER = ("anonymizer", "teacher", "trainer", "inference")
DEFAULT_PORTS = {"anonymizer": 8081, "teacher": 8082, "trainer": 8083, "inference": 8084}
STUDENT_BASE_MODEL = "smollm2-135m-instruct"


def local_admin_key(data_dir: Path) -> str:
    """The key `up` configures every service with (created on first use, readable by its owner only)."""
    path = data_dir / "local-admin.key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = generate_api_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key


def ensure_student_base_model(data_dir: Path, name: str = STUDENT_BASE_MODEL) -> bool:
    """Import the packaged base model into the local object store once; False if its package is missing."""
    from shared.base_models import BASE_MODELS_PREFIX
    from shared.storage import LocalObjectStore

    objects = LocalObjectStore(data_dir / "objects")
    if objects.exists(f"{BASE_MODELS_PREFIX}/{name}/config.json"):
        return True
    from services.trainer.base_models import PACKAGED_MODELS, import_packaged_model
    from shared.base_models import upload_base_model

    package = PACKAGED_MODELS[name].package
    import importlib.util

    if importlib.util.find_spec(package) is None:
        return False
    checkpoint = import_packaged_model(name, data_dir / "models" / name)
    upload_base_model(objects, name, checkpoint)
    return True


@dataclass
class RunningService:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path


@dataclass
class Platform:
    """Starts and stops the services; `env` is added to every service's environment."""

    data_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    env: dict[str, str] = field(default_factory=dict)
    services: tuple[str, ...] = SERVICE_ORDER
    ready_timeout_s: float = 900.0
    running: list[RunningService] = field(default_factory=list)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def environment(self, key: str) -> dict[str, str]:
        keys = json.dumps([{"name": "local-admin", "sha256": hash_api_key(key), "roles": ["admin"]}])
        return {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "LLM4GOV_DATA_DIR": str(self.data_dir),
            "LLM4GOV_API_KEYS": keys,
            "LLM4GOV_TEACHER__ANONYMIZER_URL": self.url("anonymizer"),
            "LLM4GOV_TEACHER__ANONYMIZER_API_KEY": key,
            "LLM4GOV_INFERENCE__ANONYMIZER_URL": self.url("anonymizer"),
            "LLM4GOV_INFERENCE__ANONYMIZER_API_KEY": key,
            **self.env,
        }

    def start(self, key: str, progress: Callable[[str], None] = lambda _m: None) -> None:
        """Start every service, then wait for each to be ready (in parallel: inference takes longest)."""
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        env = self.environment(key)
        for name in self.services:
            log_path = logs / f"{name}.log"
            with open(log_path, "ab") as log:
                process = subprocess.Popen(
                    service_command(name, self.ports[name]), env=env, stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    # a killed `up`/`demo` (SIGTERM, SIGKILL) must not leave the services running
                    preexec_fn=die_with_parent(signal.SIGTERM))
            self.running.append(RunningService(name, self.url(name), process, log_path))
            progress(f"started {name} (pid {process.pid}) on {self.url(name)}, log {log_path}")
        deadline = time.monotonic() + self.ready_timeout_s
        pending = list(self.running)
        while pending:
            for service in list(pending):
                if service.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{service.name} exited with code {service.process.returncode}; "
                                       f"see {service.log_path}:\n{_tail(service.log_path)}")
                if is_ready(service.url):
                    pending.remove(service)
                    progress(f"{service.name} ready")
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                self.stop()
                raise TimeoutError(f"not ready after {self.ready_timeout_s:.0f} s: {names}")
            time.sleep(0.5)

    def stop(self, timeout_s: float = 60.0) -> None:
        for service in reversed(self.running):
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGINT)
        for service in reversed(self.running):
            stop_process(service.process, timeout_s, signal.SIGINT)
        self.running.clear()

    def wait(self) -> str | None:
        """Block until a service exits (returns its name) or the user interrupts (returns None)."""
        try:
            while True:
                for service in self.running:
                    if service.process.poll() is not None:
                        return service.name
                time.sleep(0.5)
        except KeyboardInterrupt:
            return None


def _tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""
