"""The client's commands: `files`, `label` (job commands), `train`, `adapters`, `classify`.

Every command talks HTTP to a running service (services.client.http) and ends with the exit codes
documented in services.client: 0 success, 1 job failed/cancelled/paused, 2 usage or HTTP 4xx,
3 HTTP 5xx or unreachable, 130 interrupted.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import IO, Annotated, Any, TypeVar

import typer

from services.client.config import resolve_settings
from services.client.http import EXIT_INTERRUPTED, EXIT_SERVER, EXIT_USAGE, ApiClient, ApiError, CliError
from services.client.jobs import JobKind, end_code, get_job, report_started, wait_job
from services.client.output import (err, fields, print_events, print_json, print_list, progress_bar, show, table,
                                    when)

F = TypeVar("F", bound=Callable[..., Any])

#: Per-request timeout of uploads, downloads and long requests (seconds between bytes, not in total).
LONG_TIMEOUT_S = 600.0
#: Default documents per POST /v1/classify (the inference service's default max_documents_per_request).
DEFAULT_CLASSIFY_BATCH = 64

_CONN = "Connection"

# -- options shared by the commands -------------------------------------------------------------------
TeacherUrl = Annotated[str | None, typer.Option(
    "--teacher-url", envvar="LLM4GOV_TEACHER_URL", show_default=False, rich_help_panel=_CONN,
    help="Teacher service URL (default: client config file, else http://127.0.0.1:8082).")]
TrainerUrl = Annotated[str | None, typer.Option(
    "--trainer-url", envvar="LLM4GOV_TRAINER_URL", show_default=False, rich_help_panel=_CONN,
    help="Trainer service URL (default: client config file, else http://127.0.0.1:8083).")]
InferenceUrl = Annotated[str | None, typer.Option(
    "--inference-url", envvar="LLM4GOV_INFERENCE_URL", show_default=False, rich_help_panel=_CONN,
    help="Inference service URL (default: client config file, else http://127.0.0.1:8084).")]
ApiKey = Annotated[str | None, typer.Option(
    "--api-key", envvar="LLM4GOV_API_KEY", show_default=False, rich_help_panel=_CONN,
    help="API key (default: client config file, else ./.llm4gov/local-admin.key of `llm4gov up`).")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
Wait = Annotated[bool, typer.Option("--wait", help="Wait (with a progress bar) until the job ends; exit 1 unless "
                                                   "it succeeded.")]
PollInterval = Annotated[float, typer.Option("--poll-interval", min=0.05, max=600,
                                             help="Seconds between status checks with --wait.")]
FileIdArg = Annotated[str, typer.Argument(metavar="ID", help="A file id (file-...).")]
LabelingJobId = Annotated[str, typer.Argument(metavar="ID", help="A labeling job id.")]
TrainingJobId = Annotated[str, typer.Argument(metavar="ID", help="A training job id.")]
Output = Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False, writable=True,
                                             help="Write to this file instead of stdout.")]


class Purpose(str, Enum):
    labeling = "labeling"
    fine_tune = "fine-tune"
    classification = "classification"


class FileService(str, Enum):
    teacher = "teacher"
    trainer = "trainer"


class LabelState(str, Enum):
    queued = "queued"
    running = "running"
    paused = "paused"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class Method(str, Enum):
    lora = "lora"
    qlora = "qlora"


class Promote(str, Enum):
    never = "never"
    always = "always"
    if_better = "if_better"


class AnswerOrder(str, Enum):
    schema = "schema"
    labels_last = "labels_last"


# -- plumbing -----------------------------------------------------------------------------------------
def handles_errors(fn: F) -> F:
    """Run a command body; its int result (or a CliError's code) becomes the exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = fn(*args, **kwargs)
        except CliError as exc:
            err(f"error: {exc.message}")
            raise typer.Exit(exc.code) from None
        except KeyboardInterrupt:
            err("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        raise typer.Exit(code or 0)

    return wrapper  # type: ignore[return-value]


def add_status_and_cancel(app: typer.Typer, kind: JobKind, service: str, url_option: Any,
                          show_job: Callable[[dict[str, Any]], None], status_help: str, cancel_help: str) -> None:
    """`<group> status ID` and `<group> cancel ID`, the same for every kind of job."""
    job_id_arg = Annotated[str, typer.Argument(metavar="ID", help=f"A {kind.what} id.")]

    def status(job_id: str, wait: bool = False, poll_interval: float = 2.0, url: str | None = None,
               api_key: str | None = None, json_out: bool = False) -> int:
        with _api(service, api_key, url) as client:
            job = get_job(client, kind, job_id, wait, poll_interval)
        show(job, json_out, show_job)
        return end_code(job, kind)

    def cancel(job_id: str, url: str | None = None, api_key: str | None = None, json_out: bool = False) -> int:
        with _api(service, api_key, url) as client:
            job = client.post(f"{kind.path}/{job_id}/cancel")
        show(job, json_out, show_job)
        return 0

    # real annotation objects (this module's are strings): typer reads the options from them
    status.__annotations__ = {"job_id": job_id_arg, "wait": Wait, "poll_interval": PollInterval,
                              "url": url_option, "api_key": ApiKey, "json_out": JsonOut, "return": int}
    cancel.__annotations__ = {"job_id": job_id_arg, "url": url_option, "api_key": ApiKey, "json_out": JsonOut,
                              "return": int}
    app.command("status", help=status_help)(handles_errors(status))
    app.command("cancel", help=cancel_help)(handles_errors(cancel))


def _api(service: str, api_key: str | None, url: str | None, timeout_s: float | None = None) -> ApiClient:
    settings = resolve_settings(api_key=api_key, **{f"{service}_url": url})
    return ApiClient(service, settings.url(service), settings.api_key, timeout_s or settings.timeout_s)


def _given(**values: Any) -> dict[str, Any]:
    """The options the user gave (not None), for a request body: the server's defaults apply to the rest."""
    return {key: value for key, value in values.items() if value is not None}


def _read_json_file(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(EXIT_USAGE, f"cannot read {what} {path}: {type(exc).__name__}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CliError(EXIT_USAGE, f"{what} {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(EXIT_USAGE, f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                                   f"column {exc.colno}") from None


_TASK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def load_task(path: Path, name: str | None = None) -> dict[str, Any]:
    """A task spec from a JSON (or YAML) file: {name, structure_example | output_schema, instruction?,
    label_fields?}, or just a structure example (the seed's structure_example.json) named by `name`."""
    raw = _read_json_file(path, "task file")
    if not isinstance(raw, dict) or not raw:
        raise CliError(EXIT_USAGE, f"task file {path} must hold a JSON object")
    if "structure_example" in raw or "output_schema" in raw:
        spec = dict(raw)
    else:
        spec = {"structure_example": raw}
    if name:
        spec["name"] = name
    if not spec.get("name"):
        raise CliError(EXIT_USAGE, f"task file {path} names no task: add \"name\" to it or give --task-name")
    if not isinstance(spec["name"], str) or not _TASK_NAME.match(spec["name"]):
        raise CliError(EXIT_USAGE, "a task name is 1-63 lowercase letters, digits, '-' or '_' "
                                   f"(got {spec['name']!r})")
    if ("structure_example" in spec) == ("output_schema" in spec):
        raise CliError(EXIT_USAGE, f"task file {path}: give exactly one of 'structure_example' or 'output_schema'")
    return spec


class _ProgressReader:
    """A file object whose reads move a progress bar (httpx streams multipart uploads by read())."""

    def __init__(self, fh: IO[bytes], bar: Any) -> None:
        self._fh = fh
        self._bar = bar

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self._bar.update(len(data))
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self._fh.seek(offset, whence)
        self._bar.n = position
        self._bar.refresh()
        return position

    def tell(self) -> int:
        return self._fh.tell()

    def fileno(self) -> int:
        return self._fh.fileno()


def upload(client: ApiClient, path: Path, purpose: str, form: dict[str, str] | None = None) -> dict[str, Any]:
    """POST /v1/files, streaming the file (never read into memory)."""
    if not path.is_file():
        raise CliError(EXIT_USAGE, f"{path} is not a file")
    size = path.stat().st_size
    bar = progress_bar(size, "B", f"uploading {path.name}", scale=True)
    try:
        with open(path, "rb") as fh:
            body: Any = _ProgressReader(fh, bar) if bar is not None else fh
            return client.post("/v1/files", files={"file": (path.name, body)},
                               data={"purpose": purpose, **(form or {})},
                               timeout=httpx_timeout(LONG_TIMEOUT_S))
    except OSError as exc:
        raise CliError(EXIT_USAGE, f"cannot read {path}: {type(exc).__name__}") from None
    finally:
        if bar is not None:
            bar.close()


def httpx_timeout(seconds: float) -> Any:
    import httpx

    return httpx.Timeout(seconds, connect=10.0)


def download(client: ApiClient, path: str, output: Path | None, what: str) -> int:
    """Stream a JSONL answer to a file (written to NAME.part, then renamed) or stdout; returns bytes."""
    written = 0
    if output is None:
        out = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else None
        with client.stream("GET", path, timeout=httpx_timeout(LONG_TIMEOUT_S)) as response:
            for chunk in response.iter_bytes():
                if out is not None:
                    out.write(chunk)
                else:  # e.g. a test runner's text stream
                    sys.stdout.write(chunk.decode("utf-8"))
                written += len(chunk)
        sys.stdout.flush()
        return written
    partial = output.with_name(output.name + ".part")
    try:
        with client.stream("GET", path, timeout=httpx_timeout(LONG_TIMEOUT_S)) as response:
            total = response.headers.get("content-length")
            bar = progress_bar(int(total) if total and total.isdigit() else None, "B", f"downloading {what}", scale=True)
            try:
                with open(partial, "wb") as fh:
                    for chunk in response.iter_bytes():
                        fh.write(chunk)
                        written += len(chunk)
                        if bar is not None:
                            bar.update(len(chunk))
            finally:
                if bar is not None:
                    bar.close()
        partial.replace(output)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(EXIT_USAGE, f"cannot write {output}: {type(exc).__name__}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written


# -- files --------------------------------------------------------------------------------------------
files_app = typer.Typer(help="Datasets on the platform: upload (checked as it streams), list, show, download, "
                             "delete. Teacher and trainer share one file store.", no_args_is_help=True)


def _show_file(meta: dict[str, Any]) -> None:
    fields([("id", meta.get("id")), ("filename", meta.get("filename")), ("purpose", meta.get("purpose")),
            ("records", meta.get("records")), ("labeled", meta.get("labeled_records")),
            ("format", meta.get("source_format")), ("task", meta.get("task")), ("bytes", meta.get("bytes")),
            ("sha256", meta.get("sha256")), ("created", when(meta.get("created_at"))),
            ("created by", meta.get("created_by"))])


@files_app.command("upload")
@handles_errors
def files_upload(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="JSONL, a JSON array (the seed's record format) or CSV.")],
    purpose: Annotated[Purpose, typer.Option(help="What the file is for.")],
    text_column: Annotated[str | None, typer.Option(help="CSV: the column holding the document text.")] = None,
    id_column: Annotated[str | None, typer.Option(help="CSV: the column holding the document id.")] = None,
    system_prompt_column: Annotated[str | None, typer.Option(help="CSV: the column holding a system prompt.")
                                    ] = None,
    label_columns: Annotated[str | None, typer.Option(help="CSV: comma-separated columns holding the labels "
                                                           "(a,b).")] = None,
    task: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                              help="Task spec (JSON): every label is checked against it.")] = None,
    task_name: Annotated[str | None, typer.Option(help="Task name, when --task is a bare structure example.")
                         ] = None,
    teacher_url: TeacherUrl = None, trainer_url: TrainerUrl = None, api_key: ApiKey = None,
    json_out: JsonOut = False,
) -> int:
    """Upload a dataset. Labeling and classification files go to the teacher, fine-tune files to the trainer."""
    form: dict[str, str] = {}
    for key, value in (("text_column", text_column), ("id_column", id_column),
                       ("system_prompt_column", system_prompt_column), ("label_columns", label_columns)):
        if value:
            form[key] = value
    if task is not None:
        form["task"] = json.dumps(load_task(task, task_name), ensure_ascii=False)
    service, url = ("trainer", trainer_url) if purpose is Purpose.fine_tune else ("teacher", teacher_url)
    with _api(service, api_key, url) as client:
        meta = upload(client, file, purpose.value, form)
    if json_out:
        print_json(meta)
    else:
        typer.echo(f"{meta['id']}  {meta.get('filename')}  {meta.get('purpose')}: {meta.get('records')} records "
                   f"({meta.get('labeled_records')} labeled)")
    return 0


FileServiceOpt = Annotated[FileService, typer.Option("--service", help="Which service to ask (both read the "
                                                                       "same file store).")]


def _files_client(service: FileService, teacher_url: str | None, trainer_url: str | None,
                  api_key: str | None) -> ApiClient:
    return _api(service.value, api_key, teacher_url if service is FileService.teacher else trainer_url)


@files_app.command("list")
@handles_errors
def files_list(
    purpose: Annotated[Purpose | None, typer.Option(help="Only files for this purpose.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many (newest first).")] = 100,
    service: FileServiceOpt = FileService.teacher,
    teacher_url: TeacherUrl = None, trainer_url: TrainerUrl = None, api_key: ApiKey = None,
    json_out: JsonOut = False,
) -> int:
    """Your files, newest first."""
    params: dict[str, Any] = {"limit": limit}
    if purpose is not None:
        params["purpose"] = purpose.value
    with _files_client(service, teacher_url, trainer_url, api_key) as client:
        listing = client.get("/v1/files", params=params)
    print_list(listing, json_out, ["ID", "PURPOSE", "RECORDS", "LABELED", "TASK", "CREATED", "FILENAME"],
               lambda f: [f["id"], f.get("purpose"), f.get("records"), f.get("labeled_records"), f.get("task"),
                          when(f.get("created_at")), f.get("filename")], "no files")
    if not json_out and listing.get("data") and listing.get("has_more"):
        err(f"(more than {limit}; use --limit)")
    return 0


@files_app.command("show")
@handles_errors
def files_show(
    file_id: FileIdArg,
    service: FileServiceOpt = FileService.teacher,
    teacher_url: TeacherUrl = None, trainer_url: TrainerUrl = None, api_key: ApiKey = None,
    json_out: JsonOut = False,
) -> int:
    """A file's metadata and what its check found."""
    with _files_client(service, teacher_url, trainer_url, api_key) as client:
        meta = client.get(f"/v1/files/{file_id}")
    show(meta, json_out, _show_file)
    return 0


@files_app.command("download")
@handles_errors
def files_download(
    file_id: FileIdArg,
    output: Output = None,
    service: FileServiceOpt = FileService.teacher,
    teacher_url: TeacherUrl = None, trainer_url: TrainerUrl = None, api_key: ApiKey = None,
) -> int:
    """A file's records as JSONL (normalized to the seed's format), to stdout or -o FILE."""
    with _files_client(service, teacher_url, trainer_url, api_key) as client:
        written = download(client, f"/v1/files/{file_id}/content", output, file_id)
    if output is not None:
        err(f"wrote {written} bytes to {output}")
    return 0


@files_app.command("delete")
@handles_errors
def files_delete(
    file_id: FileIdArg,
    service: FileServiceOpt = FileService.teacher,
    teacher_url: TeacherUrl = None, trainer_url: TrainerUrl = None, api_key: ApiKey = None,
    json_out: JsonOut = False,
) -> int:
    """Delete a file (from the store and object storage; audited)."""
    with _files_client(service, teacher_url, trainer_url, api_key) as client:
        answer = client.json("DELETE", f"/v1/files/{file_id}")
    print_json(answer) if json_out else typer.echo(f"deleted {answer.get('id', file_id)}")
    return 0


# -- labeling jobs ------------------------------------------------------------------------------------
#: The `label` group; `services.cli` gives it the callback that keeps `llm4gov label --config FILE` working.
label_app = typer.Typer(no_args_is_help=True)


def _labeling_progress(job: dict[str, Any]) -> tuple[int, int | None, str]:
    p = job.get("progress") or {}
    done, failed = int(p.get("done") or 0), int(p.get("failed") or 0)
    return done + failed, p.get("total"), (f"{failed} failed" if failed else "")


def _show_labeling(job: dict[str, Any]) -> None:
    p = job.get("progress") or {}
    rate = p.get("items_per_second")
    fields([("job", job.get("id")), ("state", job.get("state")), ("reason", job.get("reason")),
            ("task", job.get("task")), ("teacher", job.get("teacher_model")),
            ("progress", f"{p.get('done', 0)}/{p.get('total', 0)} done, {p.get('failed', 0)} failed, "
                         f"{p.get('pending', 0)} pending, {p.get('in_progress', 0)} in progress"
                         + (f" ({rate:.2f} items/s)" if rate else "")),
            ("tokens", f"{p.get('tokens_in', 0)} in, {p.get('tokens_out', 0)} out, estimated cost "
                       f"{p.get('estimated_cost', 0)}"),
            ("created", when(job.get("created_at"))), ("updated", when(job.get("updated_at")))])


LABELING = JobKind(what="labeling job", path="/v1/labeling-jobs", group="label", state_key="state", unit="doc",
                   progress=_labeling_progress, reason=lambda job: job.get("reason"))


def _finish_labeling(client: ApiClient, job: dict[str, Any], output: Path | None, json_out: bool) -> int:
    if job.get("state") == "succeeded" and output is not None:
        download(client, f"/v1/labeling-jobs/{job['id']}/results", output, "results")
        err(f"results written to {output}")
    show(job, json_out, _show_labeling)
    return end_code(job, LABELING)


@label_app.command("start")
@handles_errors
def label_start(
    task: Annotated[Path, typer.Option(exists=True, dir_okay=False,
                                       help="Task spec (JSON: name, structure_example or output_schema, "
                                            "instruction), or a bare structure example with --task-name.")],
    model: Annotated[str, typer.Option(help="The teacher model, e.g. gpt-4o-mini.")],
    endpoint: Annotated[str, typer.Option(help="Name of a teacher endpoint the operator configured.")] = "openai",
    file_id: Annotated[str | None, typer.Option(help="Label this uploaded file (llm4gov files upload).")] = None,
    file: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                              help="Upload this JSONL/JSON file first, then label it.")] = None,
    task_name: Annotated[str | None, typer.Option(help="Task name (overrides the task file's).")] = None,
    temperature: Annotated[float | None, typer.Option(min=0.0, max=2.0, help="Teacher temperature.")] = None,
    max_tokens: Annotated[int | None, typer.Option(min=16, help="Teacher max tokens per answer.")] = None,
    concurrency: Annotated[int | None, typer.Option(min=1, max=512, help="Parallel teacher calls.")] = None,
    documents_per_call: Annotated[int | None, typer.Option(min=1, max=32, help="Documents per teacher call.")
                                  ] = None,
    budget_tokens: Annotated[int | None, typer.Option(min=1, help="Pause when tokens in+out reach this.")] = None,
    budget_cost: Annotated[float | None, typer.Option(help="Pause when the estimated cost reaches this.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only estimate tokens and cost.")] = False,
    wait: Wait = False, poll_interval: PollInterval = 2.0,
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="With --wait: also write the results (JSONL) here.")] = None,
    teacher_url: TeacherUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Start a labeling job on an uploaded file (--file-id) or a local file (--file, uploaded first)."""
    if (file_id is None) == (file is None):
        raise CliError(EXIT_USAGE, "give exactly one of --file-id or --file")
    spec = load_task(task, task_name)
    teacher = {"endpoint": endpoint, "model": model, **_given(temperature=temperature, max_tokens=max_tokens)}
    execution = _given(concurrency=concurrency, documents_per_call=documents_per_call,
                       budget_tokens=budget_tokens, budget_cost=budget_cost)
    with _api("teacher", api_key, teacher_url) as client:
        if file is not None:
            meta = upload(client, file, "labeling")
            file_id = meta["id"]
            err(f"uploaded {file.name} as {file_id} ({meta.get('records')} records)")
        body = {"task": spec, "dataset": {"file_id": file_id}, "teacher": teacher, "execution": execution,
                "dry_run": dry_run}
        job = client.post("/v1/labeling-jobs", json=body)
        if dry_run:
            if json_out:
                print_json(job)
            else:
                fields([(k.replace("_", " "), v) for k, v in job.items()])
            return 0
        if not wait:
            report_started(job, LABELING, json_out)
            return 0
        err(f"labeling job {job['id']} started")
        job = wait_job(client, LABELING, job["id"], poll_interval)
        return _finish_labeling(client, job, output, json_out)


@label_app.command("list")
@handles_errors
def label_list(
    state: Annotated[LabelState | None, typer.Option(help="Only jobs in this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    teacher_url: TeacherUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Labeling jobs, newest first."""
    params: dict[str, Any] = {"limit": limit}
    if state is not None:
        params["state"] = state.value
    with _api("teacher", api_key, teacher_url) as client:
        listing = client.get("/v1/labeling-jobs", params=params)
    print_list(listing, json_out, ["ID", "STATE", "TASK", "DONE", "CREATED"],
               lambda j: [j["id"], j.get("state"), j.get("task"), f"{(j.get('progress') or {}).get('done', 0)}/"
                          f"{(j.get('progress') or {}).get('total', 0)}", when(j.get("created_at"))],
               "no labeling jobs")
    return 0


@label_app.command("results")
@handles_errors
def label_results(
    job_id: LabelingJobId,
    output: Output = None,
    teacher_url: TeacherUrl = None, api_key: ApiKey = None,
) -> int:
    """The labeled records (JSONL, the seed's labeled format), to stdout or -o FILE."""
    with _api("teacher", api_key, teacher_url) as client:
        written = download(client, f"/v1/labeling-jobs/{job_id}/results", output, "results")
    if output is not None:
        err(f"wrote {written} bytes to {output}")
    return 0


@label_app.command("events")
@handles_errors
def label_events(
    job_id: LabelingJobId,
    after: Annotated[int, typer.Option(min=0, help="Only events after this event id.")] = 0,
    teacher_url: TeacherUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """A labeling job's events."""
    with _api("teacher", api_key, teacher_url) as client:
        events = client.get(f"/v1/labeling-jobs/{job_id}/events", params={"after": after})
    print_events(events, json_out)
    return 0


@label_app.command("failures")
@handles_errors
def label_failures(
    job_id: LabelingJobId,
    teacher_url: TeacherUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Items that failed for good, with their reasons."""
    with _api("teacher", api_key, teacher_url) as client:
        failures = client.get(f"/v1/labeling-jobs/{job_id}/failures")
    print_list(failures, json_out, ["INDEX", "ID", "ATTEMPTS", "ERROR"],
               lambda f: [f.get("index"), f.get("id"), f.get("attempts"), f.get("error")], "no failed items")
    return 0


@label_app.command("resume")
@handles_errors
def label_resume(
    job_id: LabelingJobId,
    wait: Wait = False, poll_interval: PollInterval = 2.0,
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="With --wait: also write the results (JSONL) here.")] = None,
    teacher_url: TeacherUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Resume a paused or failed labeling job on the server (failed items are retried)."""
    with _api("teacher", api_key, teacher_url) as client:
        job = client.post(f"/v1/labeling-jobs/{job_id}/resume")
        if not wait:
            show(job, json_out, _show_labeling)
            return 0
        job = wait_job(client, LABELING, job_id, poll_interval)
        return _finish_labeling(client, job, output, json_out)


add_status_and_cancel(label_app, LABELING, "teacher", TeacherUrl, _show_labeling,
                      "A labeling job's state and progress (exit 1 if it is failed, cancelled or paused).",
                      "Cancel a labeling job (items labeled so far are kept).")


# -- training jobs ------------------------------------------------------------------------------------
train_app = typer.Typer(help="Training jobs: fine-tune a student adapter on labeled records.", no_args_is_help=True)


def _training_progress(job: dict[str, Any]) -> tuple[int, int | None, str]:
    p = job.get("progress") or {}
    loss = p.get("loss")
    return int(p.get("step") or 0), p.get("total_steps"), (f"loss {loss:.4f}" if isinstance(loss, (int, float))
                                                           else "")


def _scalars(values: dict[str, Any] | None) -> str:
    if not values:
        return ""
    out = []
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        out.append(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}")
    return " ".join(out)


def _show_training(job: dict[str, Any]) -> None:
    p = job.get("progress") or {}
    adapter = job.get("adapter") or {}
    adapter_text = None
    if job.get("fine_tuned_model"):
        adapter_text = job["fine_tuned_model"] + (" (promoted)" if adapter.get("promoted") else " (not promoted)")
        if adapter.get("promotion_refused"):
            adapter_text += f": {adapter['promotion_refused']}"
    step = f"step {p.get('step', 0)}" + (f"/{p['total_steps']}" if p.get("total_steps") else "")
    if isinstance(p.get("loss"), (int, float)):
        step += f", loss {p['loss']:.4f}"
    fields([("job", job.get("id")), ("status", job.get("status")),
            ("error", (job.get("error") or {}).get("message")), ("task", job.get("task")),
            ("base model", job.get("model")), ("method", job.get("method")), ("progress", step),
            ("adapter", adapter_text), ("metrics", _scalars(job.get("metrics"))),
            ("created", when(job.get("created_at"))), ("finished", when(job.get("finished_at"))
                                                       if job.get("finished_at") else None)])


TRAINING = JobKind(what="training job", path="/v1/training-jobs", group="train", state_key="status", unit="step",
                   progress=_training_progress, reason=lambda job: (job.get("error") or {}).get("message"))


@train_app.command("start")
@handles_errors
def train_start(
    base_model: Annotated[str, typer.Option(help="A base model name (llm4gov models list) or a local path the "
                                                 "operator allowed.")],
    file_id: Annotated[str | None, typer.Option(help="Train on this uploaded fine-tune file.")] = None,
    labeling_job: Annotated[str | None, typer.Option(help="Train on a finished labeling job's dataset (its task "
                                                          "comes with it).")] = None,
    file: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                              help="Upload this labeled JSONL/JSON file first, then train on it.")
                    ] = None,
    task: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                              help="Task spec (JSON); needed unless the dataset carries one.")
                    ] = None,
    task_name: Annotated[str | None, typer.Option(help="Task name (overrides the task file's).")] = None,
    method: Annotated[Method, typer.Option(help="lora (16/32-bit base) or qlora (4-bit base).")] = Method.lora,
    epochs: Annotated[float | None, typer.Option(min=0.0, help="Training epochs.")] = None,
    max_steps: Annotated[int | None, typer.Option(min=1, help="Stop after this many steps (overrides epochs).")
                         ] = None,
    learning_rate: Annotated[float | None, typer.Option(help="Learning rate.")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Batch size.")] = None,
    lora_r: Annotated[int | None, typer.Option(min=1, help="LoRA rank.")] = None,
    lora_alpha: Annotated[int | None, typer.Option(min=1, help="LoRA alpha.")] = None,
    max_seq_length: Annotated[int | None, typer.Option(min=32, help="Longest training sequence (tokens).")] = None,
    hyperparameters: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                         help="More hyperparameters (JSON object); the flags "
                                                              "above override it.")] = None,
    validation_fraction: Annotated[float | None, typer.Option(min=0.0, max=0.5,
                                                              help="Held-out fraction for evaluation.")] = None,
    label_head: Annotated[bool, typer.Option(help="Labels from a classifier head (default) or decoded.")] = True,
    answer_order: Annotated[AnswerOrder, typer.Option(help="labels_last: the student writes labels last.")
                            ] = AnswerOrder.schema,
    promote: Annotated[Promote, typer.Option(help="Promote the adapter: never, always or if_better.")
                       ] = Promote.if_better,
    suffix: Annotated[str | None, typer.Option(help="A free label kept with the job.")] = None,
    wait: Wait = False, poll_interval: PollInterval = 2.0,
    trainer_url: TrainerUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Start a training job on an uploaded file, a labeling job's output, or a local labeled file."""
    if sum(v is not None for v in (file_id, labeling_job, file)) != 1:
        raise CliError(EXIT_USAGE, "give exactly one of --file-id, --labeling-job or --file")
    hp: dict[str, Any] = {}
    if hyperparameters is not None:
        loaded = _read_json_file(hyperparameters, "hyperparameters file")
        if not isinstance(loaded, dict):
            raise CliError(EXIT_USAGE, f"hyperparameters file {hyperparameters} must hold a JSON object")
        hp.update(loaded)
    hp.update(_given(epochs=epochs, max_steps=max_steps, learning_rate=learning_rate, batch_size=batch_size,
                     r=lora_r, alpha=lora_alpha, max_seq_length=max_seq_length))
    body: dict[str, Any] = {"base_model": base_model, "method": method.value, "hyperparameters": hp,
                            "label_head": label_head, "answer_order": answer_order.value, "promote": promote.value}
    if task is not None:
        body["task"] = load_task(task, task_name)
    if validation_fraction is not None:
        body["validation"] = {"fraction": validation_fraction}
    if suffix:
        body["suffix"] = suffix
    with _api("trainer", api_key, trainer_url) as client:
        if file is not None:
            meta = upload(client, file, "fine-tune")
            file_id = meta["id"]
            err(f"uploaded {file.name} as {file_id} ({meta.get('labeled_records')} labeled records)")
        body["dataset"] = {"file_id": file_id} if file_id else {"labeling_job_id": labeling_job}
        job = client.post("/v1/training-jobs", json=body)
        if not wait:
            report_started(job, TRAINING, json_out)
            return 0
        err(f"training job {job['id']} started")
        job = wait_job(client, TRAINING, job["id"], poll_interval)
    show(job, json_out, _show_training)
    return end_code(job, TRAINING)


@train_app.command("list")
@handles_errors
def train_list(
    status: Annotated[LabelState | None, typer.Option(help="Only jobs with this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    trainer_url: TrainerUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Training jobs, newest first."""
    params: dict[str, Any] = {"limit": limit}
    if status is not None:
        params["status"] = status.value
    with _api("trainer", api_key, trainer_url) as client:
        listing = client.get("/v1/training-jobs", params=params)
    print_list(listing, json_out, ["ID", "STATUS", "TASK", "BASE MODEL", "ADAPTER", "CREATED"],
               lambda j: [j["id"], j.get("status"), j.get("task"), j.get("model"), j.get("fine_tuned_model"),
                          when(j.get("created_at"))], "no training jobs")
    return 0


@train_app.command("events")
@handles_errors
def train_events(
    job_id: TrainingJobId,
    after: Annotated[int, typer.Option(min=0, help="Only events after this event id.")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 1000,
    trainer_url: TrainerUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Steps (loss, learning rate), evaluations, checkpoints and state changes of a training job."""
    with _api("trainer", api_key, trainer_url) as client:
        events = client.get(f"/v1/training-jobs/{job_id}/events", params={"after": after, "limit": limit})
    print_events(events, json_out)
    return 0


@train_app.command("checkpoints")
@handles_errors
def train_checkpoints(
    job_id: TrainingJobId,
    trainer_url: TrainerUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Checkpoints of a training job kept in object storage."""
    with _api("trainer", api_key, trainer_url) as client:
        listing = client.get(f"/v1/training-jobs/{job_id}/checkpoints")
    print_list(listing, json_out, ["STEP", "URI", "CREATED"],
               lambda c: [c.get("step"), c.get("uri"), when(c.get("created_at"))], "no checkpoints")
    return 0


@train_app.command("resume")
@handles_errors
def train_resume(
    job_id: Annotated[str, typer.Argument(metavar="ID", help="A failed or cancelled training job id.")],
    wait: Wait = False, poll_interval: PollInterval = 2.0,
    trainer_url: TrainerUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Resume a failed or cancelled training job from its last checkpoint (step 0 if none was kept)."""
    with _api("trainer", api_key, trainer_url) as client:
        job = client.post(f"/v1/training-jobs/{job_id}/resume")
        if wait:
            job = wait_job(client, TRAINING, job_id, poll_interval)
    show(job, json_out, _show_training)
    return end_code(job, TRAINING) if wait else 0


add_status_and_cancel(train_app, TRAINING, "trainer", TrainerUrl, _show_training,
                      "A training job's status, progress, metrics and adapter (exit 1 if it failed or was "
                      "cancelled).", "Cancel a training job.")


# -- adapter registry ---------------------------------------------------------------------------------
adapters_app = typer.Typer(help="The adapter registry: which student version each task serves.",
                           no_args_is_help=True)


def _show_adapter_task(view: dict[str, Any]) -> None:
    fields([("task", view.get("task")), ("promoted", view.get("promoted") or "none"),
            ("lineage", " <- ".join(reversed(view.get("lineage") or [])) or None)])
    rows = [[v.get("version"), v.get("name"), v.get("base_model"), v.get("method"), _scalars(v.get("metrics")),
             when(v.get("created_at"))] for v in view.get("versions") or []]
    if rows:
        typer.echo("")
        table(rows, ["VERSION", "NAME", "BASE MODEL", "METHOD", "METRICS", "CREATED"])


@adapters_app.command("list")
@handles_errors
def adapters_list(trainer_url: TrainerUrl = None, api_key: ApiKey = None, json_out: JsonOut = False) -> int:
    """Tasks with published adapters and the version each serves."""
    with _api("trainer", api_key, trainer_url) as client:
        listing = client.get("/v1/adapters")
    print_list(listing, json_out, ["TASK", "PROMOTED", "VERSIONS"],
               lambda t: [t["task"], t.get("promoted") or "none", t.get("versions")], "no adapters")
    return 0


TaskArg = Annotated[str, typer.Argument(metavar="TASK", help="A task name.")]


@adapters_app.command("show")
@handles_errors
def adapters_show(task: TaskArg, trainer_url: TrainerUrl = None, api_key: ApiKey = None,
                  json_out: JsonOut = False) -> int:
    """A task's versions, metrics, promoted version and lineage."""
    with _api("trainer", api_key, trainer_url) as client:
        view = client.get(f"/v1/adapters/{task}")
    show(view, json_out, _show_adapter_task)
    return 0


@adapters_app.command("promote")
@handles_errors
def adapters_promote(
    task: TaskArg,
    version: Annotated[str, typer.Argument(metavar="VERSION", help="The version to serve (1, 2, ...).")],
    force: Annotated[bool, typer.Option("--force", help="Promote even if it scores worse than the promoted one.")
                     ] = False,
    trainer_url: TrainerUrl = None, api_key: ApiKey = None, json_out: JsonOut = False,
) -> int:
    """Serve VERSION for TASK (refused if it scores worse, unless --force; audited)."""
    with _api("trainer", api_key, trainer_url) as client:
        view = client.post(f"/v1/adapters/{task}/promote", json={"version": version, "force": force})
    print_json(view) if json_out else typer.echo(f"{task}: version {view.get('promoted')} promoted")
    return 0


@adapters_app.command("rollback")
@handles_errors
def adapters_rollback(task: TaskArg, trainer_url: TrainerUrl = None, api_key: ApiKey = None,
                      json_out: JsonOut = False) -> int:
    """Serve the previously promoted version of TASK again (audited)."""
    with _api("trainer", api_key, trainer_url) as client:
        view = client.post(f"/v1/adapters/{task}/rollback")
    print_json(view) if json_out else typer.echo(f"{task}: rolled back to version {view.get('promoted')}")
    return 0


# -- classify -----------------------------------------------------------------------------------------
_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
_LIMIT = re.compile(r"documents in one request; the limit is (\d+)")


def _document(record: Any, where: str, text_field: str | None, id_field: str | None) -> dict[str, Any]:
    """A /v1/classify document from one input record (a JSON object or a string)."""
    if isinstance(record, str):
        record = {"text": record}
    if not isinstance(record, dict):
        raise CliError(EXIT_USAGE, f"{where}: a record must be a JSON object or a string")
    doc: dict[str, Any] = {}
    if text_field:
        value = record.get(text_field)
        if not isinstance(value, str):
            raise CliError(EXIT_USAGE, f"{where}: no text in field '{text_field}'")
        doc["text"] = value
    elif isinstance(record.get("text"), str):
        doc["text"] = record["text"]
    elif "user_prompt" in record:
        doc["user_prompt"] = record["user_prompt"]
        if isinstance(record.get("system_prompt"), str):
            doc["system_prompt"] = record["system_prompt"]
    else:
        raise CliError(EXIT_USAGE, f"{where}: no 'text' or 'user_prompt' field (name the text field with "
                                   "--text-field)")
    body = doc.get("text", doc.get("user_prompt"))
    if body is None or body == "" or body == {} or (isinstance(body, str) and not body.strip()):
        raise CliError(EXIT_USAGE, f"{where}: the document is empty")
    key = id_field or "id"
    if record.get(key) is not None:
        doc["id"] = str(record[key])
    elif id_field:
        raise CliError(EXIT_USAGE, f"{where}: no id in field '{id_field}'")
    return doc


def iter_documents(paths: list[Path], text_field: str | None, id_field: str | None,
                   lines: bool) -> Iterator[dict[str, Any]]:
    """Documents from JSONL / JSON-array files (records) and text files (one document each, or one per
    line with --lines); ids default to the document's position over all inputs."""
    position = 0
    seen: set[str] = set()

    def finish(doc: dict[str, Any], where: str) -> dict[str, Any]:
        nonlocal position
        doc.setdefault("id", str(position))
        position += 1
        if len(doc["id"]) > 128:
            raise CliError(EXIT_USAGE, f"{where}: ids are at most 128 characters")
        if doc["id"] in seen:
            raise CliError(EXIT_USAGE, f"{where}: duplicate document id {doc['id']!r}")
        seen.add(doc["id"])
        return doc

    for path in paths:
        stdin = str(path) == "-"
        name = "stdin" if stdin else str(path)
        try:
            if stdin or path.suffix.lower() in (".jsonl", ".ndjson"):
                stream = sys.stdin if stdin else open(path, encoding="utf-8")
                try:
                    for number, line in enumerate(stream, 1):
                        if not line.strip():
                            continue
                        try:
                            record = json.loads(line)
                        except json.JSONDecodeError:
                            raise CliError(EXIT_USAGE, f"{name} line {number}: not valid JSON") from None
                        where = f"{name} line {number}"
                        yield finish(_document(record, where, text_field, id_field), where)
                finally:
                    if not stdin:
                        stream.close()
            elif path.suffix.lower() == ".json":
                data = _read_json_file(path, "input")
                if isinstance(data, dict):
                    data = [data]
                if not isinstance(data, list):
                    raise CliError(EXIT_USAGE, f"{name}: expected a JSON array of records")
                for index, record in enumerate(data):
                    where = f"{name} item {index}"
                    yield finish(_document(record, where, text_field, id_field), where)
            else:
                text = path.read_text(encoding="utf-8")
                if lines:
                    for number, line in enumerate(text.splitlines(), 1):
                        if line.strip():
                            yield finish({"text": line}, f"{name} line {number}")
                else:
                    if not text.strip():
                        raise CliError(EXIT_USAGE, f"{name} is empty")
                    yield finish({"id": path.name, "text": text}, name)
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(EXIT_USAGE, f"cannot read {name}: {type(exc).__name__}") from None


def classify_documents(client: ApiClient, documents: Iterator[dict[str, Any]], task: str, anonymize: bool,
                       batch_size: int, write: Callable[[dict[str, Any]], None],
                       bar: Any = None) -> dict[str, Any]:
    """POST /v1/classify in batches of at most `batch_size` (shrunk to the server's limit if it names a
    lower one); each result goes to `write` in input order. Returns a summary."""
    summary: dict[str, Any] = {"documents": 0, "errors": 0, "batches": 0, "mode": None, "adapter_version": None}
    pending: list[dict[str, Any]] = []
    exhausted = False
    retries = 0
    while True:
        while not exhausted and len(pending) < batch_size:
            doc = next(documents, None)
            if doc is None:
                exhausted = True
            else:
                pending.append(doc)
        if not pending:
            return summary
        batch = pending[:batch_size]
        try:
            answer = client.post("/v1/classify", json={"task": task, "documents": batch, "anonymize": anonymize},
                                 timeout=httpx_timeout(LONG_TIMEOUT_S))
        except ApiError as exc:
            limit = _LIMIT.search(exc.detail or "")
            if exc.status == 422 and limit and 0 < int(limit.group(1)) < len(batch):
                batch_size = int(limit.group(1))
                err(f"note: the server takes at most {batch_size} documents per request; using that")
                continue
            if exc.status == 503 and retries < 5:
                retries += 1
                delay = exc.body.get("retry_after_s", 5)
                delay = min(float(delay) if isinstance(delay, (int, float)) else 5.0, 15.0)
                err(f"warning: {exc.detail or exc.title}; retrying in {delay:.0f}s")
                time.sleep(delay)
                continue
            raise
        retries = 0
        results = answer.get("results", [])
        if len(results) != len(batch):
            raise CliError(EXIT_SERVER, f"inference answered {len(results)} results for {len(batch)} documents")
        for result in results:
            write(result)
            if result.get("error"):
                summary["errors"] += 1
        summary["documents"] += len(batch)
        summary["batches"] += 1
        summary["mode"] = answer.get("mode")
        summary["adapter_version"] = answer.get("adapter_version")
        if bar is not None:
            bar.update(len(batch))
        pending = pending[len(batch):]


@handles_errors
def classify(
    inputs: Annotated[list[Path], typer.Argument(
        metavar="FILE...", help="JSONL or JSON-array files of records ({id?, text} or the seed's {user_prompt}), "
                                "or text files (one document each; one per line with --lines); - reads JSONL "
                                "from stdin.")],
    task: Annotated[str, typer.Option(help="The task whose promoted student classifies.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="Write the results (JSONL) here instead of stdout.")] = None,
    anonymize: Annotated[bool, typer.Option("--anonymize", help="Anonymize the documents first (on the server).")
                         ] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Documents per request (lowered to the "
                                                                    "server's limit if it is lower).")
                          ] = DEFAULT_CLASSIFY_BATCH,
    text_field: Annotated[str | None, typer.Option(help="The records' field holding the text (default: text, "
                                                        "else user_prompt).")] = None,
    id_field: Annotated[str | None, typer.Option(help="The records' field holding the id (default: id, else the "
                                                      "position).")] = None,
    lines: Annotated[bool, typer.Option("--lines", help="Text files: one document per non-empty line.")] = False,
    inference_url: InferenceUrl = None, api_key: ApiKey = None,
) -> int:
    """Classify documents with TASK's promoted student; one JSON result per document (JSONL), in input order."""
    for path in inputs:
        if str(path) != "-" and not path.is_file():
            raise CliError(EXIT_USAGE, f"{path} is not a file")
    if sum(str(p) == "-" for p in inputs) > 1:
        raise CliError(EXIT_USAGE, "stdin (-) may be given once")
    if not _TASK_NAME.match(task):
        raise CliError(EXIT_USAGE, f"{task!r} is not a task name (lowercase letters, digits, '-' or '_')")
    out: IO[str]
    partial = None
    if output is not None:
        partial = output.with_name(output.name + ".part")
        try:
            out = open(partial, "w", encoding="utf-8")
        except OSError as exc:
            raise CliError(EXIT_USAGE, f"cannot write {output}: {type(exc).__name__}") from None
    else:
        out = sys.stdout

    def write(result: dict[str, Any]) -> None:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")

    bar = progress_bar(None, "doc", f"classifying ({task})") if output is not None else None
    ok = False
    try:
        with _api("inference", api_key, inference_url) as client:
            summary = classify_documents(client, iter_documents(inputs, text_field, id_field, lines), task,
                                         anonymize, batch_size, write, bar)
        ok = True
    finally:
        if bar is not None:
            bar.close()
        if output is not None:
            out.close()
            if ok and partial is not None:
                partial.replace(output)
            elif _keep_partial(partial):
                err(f"partial results kept in {partial}")
        else:
            out.flush()
    version = summary["adapter_version"]
    served = f"{task}@{version}" if version else f"{task} ({summary['mode'] or 'no documents'})"
    err(f"classified {summary['documents']} documents with {served}; {summary['errors']} with an error"
        + (f"; results in {output}" if output else ""))
    return 0


def _keep_partial(partial: Path | None) -> bool:
    """Whether a partial output file holds anything (else it is removed)."""
    if partial is None or not partial.exists():
        return False
    if partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        return False
    return True


def register(app: typer.Typer, label_callback: Callable[..., Any]) -> None:
    """Add the client's commands to the `llm4gov` app; `label_callback` runs `llm4gov label --config FILE`."""
    app.add_typer(files_app, name="files")
    label_app.callback(invoke_without_command=True,
                       help="Label datasets with a teacher LLM: as the seed did (label --config FILE), or as "
                            "jobs on the teacher service (label start|status|results|...).")(label_callback)
    app.add_typer(label_app, name="label")
    app.add_typer(train_app, name="train")
    app.add_typer(adapters_app, name="adapters")
    app.command("classify")(classify)
