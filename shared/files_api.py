"""The Files API (`/v1/files`, OpenAI-shaped), mounted by the teacher and the trainer.

Both services read the same `files` table and object storage, so a file uploaded to either is a
dataset for labeling jobs, training jobs and (through the inference service) batch classification.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import sessionmaker

from shared.app import request_id
from shared.audit import AuditLog
from shared.auth import Principal, authenticated
from shared.config import ServiceSettings
from shared.errors import Forbidden, Unprocessable, error_responses
from shared.files import FILE_ID_PATTERN, PURPOSE_ROLES, CsvMapping, FileObject, FileStore, Purpose
from shared.storage import ObjectStore
from shared.tasks import SchemaError, TaskSpec

router = APIRouter(prefix="/v1/files", tags=["files"])

_ERRORS = error_responses(forbidden="Role missing, or another key's file (admin reads every file).",
                          not_found="Unknown file.", invalid="Invalid file or request.")


class FileList(BaseModel):
    object: Literal["list"] = "list"
    data: list[FileObject]
    has_more: bool = False


class FileDeleted(BaseModel):
    id: str
    object: Literal["file"] = "file"
    deleted: bool = True


def get_files(request: Request) -> FileStore:
    return request.app.state.files


Files = Annotated[FileStore, Depends(get_files)]
Caller = Annotated[Principal, Depends(authenticated)]


def _need_role(principal: Principal, purpose: str) -> None:
    role = PURPOSE_ROLES[purpose]
    if not principal.has(role):
        raise Forbidden(f"Files for '{purpose}' need the '{role}' role.")


def _parse_json_field(value: str | None, name: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise Unprocessable(f"'{name}' must be JSON.") from None


@router.post("", response_model=FileObject, status_code=200,
             responses={**_ERRORS, 413: {"description": "Larger than the upload limit."}},
             summary="Upload a dataset (JSONL, JSON array or CSV); checked as it streams.")
async def upload_file(
    files: Files, principal: Caller,
    file: Annotated[UploadFile, File(description="JSONL or a JSON array in the seed's record format, or CSV.")],
    purpose: Annotated[Purpose, Form()],
    text_column: Annotated[str | None, Form(max_length=200)] = None,
    id_column: Annotated[str | None, Form(max_length=200)] = None,
    system_prompt_column: Annotated[str | None, Form(max_length=200)] = None,
    label_columns: Annotated[str | None, Form(max_length=20_000,
                                              description="Comma-separated CSV columns holding the labels.")] = None,
    task: Annotated[str | None, Form(max_length=1_000_000,
                                     description="A task spec (JSON): every label is checked against it.")] = None,
) -> FileObject:
    _need_role(principal, purpose)
    mapping = None
    if text_column:
        labels = [c.strip() for c in (label_columns or "").split(",") if c.strip()]
        mapping = CsvMapping(text_column=text_column, id_column=id_column, system_prompt_column=system_prompt_column,
                             label_columns=labels)
    elif label_columns or id_column or system_prompt_column:
        raise Unprocessable("id_column, system_prompt_column and label_columns need text_column (CSV uploads).")
    task_model = None
    raw_task = _parse_json_field(task, "task")
    if raw_task is not None:
        try:
            task_model = TaskSpec.model_validate(raw_task).to_task()
        except (ValidationError, SchemaError) as exc:
            raise Unprocessable(f"Invalid task: {type(exc).__name__}.") from None
    filename = (file.filename or "upload.jsonl").replace("/", "_")[-255:]
    try:
        return await run_in_threadpool(files.create, file.file, filename, purpose, principal, mapping, task_model)
    finally:
        await file.close()


@router.get("", response_model=FileList, responses=_ERRORS, summary="Your files, newest first.")
async def list_files(files: Files, principal: Caller, purpose: Purpose | None = None,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                     after: Annotated[str | None, Query(pattern=FILE_ID_PATTERN)] = None) -> FileList:
    data = await run_in_threadpool(files.list, principal, purpose, limit + 1, after)
    return FileList(data=data[:limit], has_more=len(data) > limit)


@router.get("/{file_id}", response_model=FileObject, responses=_ERRORS, summary="A file's metadata and check.")
async def get_file(file_id: str, files: Files, principal: Caller) -> FileObject:
    return await run_in_threadpool(files.get, file_id, principal)


@router.get("/{file_id}/content", response_class=StreamingResponse,
            responses={**_ERRORS, 200: {"content": {"application/x-ndjson": {}}}},
            summary="The file's records as JSONL (normalized to the seed's format).")
async def get_file_content(file_id: str, files: Files, principal: Caller) -> StreamingResponse:
    row, chunks = await run_in_threadpool(files.iter_content, file_id, principal)
    return StreamingResponse(chunks, media_type="application/x-ndjson",
                             headers={"Content-Disposition": f'attachment; filename="{row.id}.jsonl"'})


@router.delete("/{file_id}", response_model=FileDeleted, responses=_ERRORS, summary="Delete a file (audited).")
async def delete_file(file_id: str, request: Request, files: Files, principal: Caller) -> FileDeleted:
    row = await run_in_threadpool(files.delete, file_id, principal)
    audit: AuditLog = request.app.state.files_audit
    await run_in_threadpool(audit.record, principal, "file.delete", f"file:{row.id}", "success", request_id(request),
                            {"purpose": row.purpose, "records": row.records})
    return FileDeleted(id=row.id)


#: Multipart framing and form fields around the file itself.
_FORM_OVERHEAD = 1024 * 1024


def files_upload_limits(settings: ServiceSettings) -> dict[str, int]:
    """The body limit of the upload route (for `create_service_app(upload_limits=...)`)."""
    return {router.prefix: settings.files_max_bytes + _FORM_OVERHEAD}


def install_files(app: FastAPI, settings: ServiceSettings, sessions: sessionmaker, objects: ObjectStore,
                  service: str) -> FileStore:
    """Mount `/v1/files` on a service app, backed by its database and object storage."""
    store = FileStore(sessions, objects, settings.data_dir / "uploads", settings.files_max_bytes)
    app.state.files = store
    app.state.files_audit = AuditLog(sessions, service)
    app.include_router(router)
    return store
