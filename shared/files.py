"""Uploaded dataset files (OpenAI-shaped `file-...` ids), shared by the teacher, trainer and inference.

An upload is read once, as a stream: each record is checked as it arrives and written, normalized to
JSONL in the seed's record format, to a temporary file on disk, which then goes to object storage
(`files/<id>.jsonl`). Only then is the file's row written. Nothing is held whole in memory, and a
failed upload (bad lines, too large, labels that do not match the task) leaves nothing behind.
Errors name line numbers, never their content.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import JSON, Boolean, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from shared.auth import Principal
from shared.db import Base, UTCDateTime, utcnow
from shared.protocol import StrictModel
from shared.errors import Forbidden, NotFound, PayloadTooLarge, Unprocessable
from shared.records import Record, RecordsError, parse_records
from shared.storage import ObjectNotFound, ObjectStore
from shared.tasks import SchemaError, Task

Purpose = Literal["labeling", "fine-tune", "classification"]
#: The role a purpose needs (to upload, read or delete such a file); `admin` implies every role.
PURPOSE_ROLES: dict[str, str] = {"labeling": "label", "fine-tune": "train", "classification": "classify"}
FILE_ID_PATTERN = r"^file-[0-9a-f]{32}$"
#: At most this many bad line numbers are listed in an error (the count is always given).
MAX_REPORTED_LINES = 50
_CHUNK = 1024 * 1024


class FileRow(Base):
    __tablename__ = "files"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    bytes: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    labeled: Mapped[int] = mapped_column(Integer, default=0)
    source_format: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CsvMapping(StrictModel):
    """Which CSV columns hold the document, its id and (for labeled data) each label field."""

    text_column: str = Field(min_length=1, max_length=200)
    id_column: str | None = Field(default=None, max_length=200)
    system_prompt_column: str | None = Field(default=None, max_length=200)
    label_columns: list[str] = Field(default_factory=list, max_length=100)


class FileObject(BaseModel):
    """OpenAI's file object, plus what the check found."""

    id: str
    object: Literal["file"] = "file"
    bytes: int
    created_at: int = Field(description="Unix seconds.")
    filename: str
    purpose: str
    status: Literal["processed"] = "processed"
    records: int = Field(description="Records in the file (after the check).")
    labeled_records: int = Field(description="Records with a teacher_output (labels).")
    source_format: str = Field(description="jsonl, json or csv: the format uploaded (the content is JSONL).")
    task: str | None = Field(default=None, description="The task its labels were checked against (a training "
                                                       "job on this file uses it unless it names one).")
    sha256: str = Field(description="Of the normalized JSONL content.")
    created_by: str


@dataclass
class CheckReport:
    """What the streaming check found: counts, and bad lines by number only."""

    records: int = 0
    labeled: int = 0
    bad_lines: list[int] = field(default_factory=list)
    bad_count: int = 0
    label_mismatches: list[int] = field(default_factory=list)
    mismatch_count: int = 0

    def bad(self, where: int) -> None:
        self.bad_count += 1
        if len(self.bad_lines) < MAX_REPORTED_LINES:
            self.bad_lines.append(where)

    def mismatch(self, where: int) -> None:
        self.mismatch_count += 1
        if len(self.label_mismatches) < MAX_REPORTED_LINES:
            self.label_mismatches.append(where)

    def problem(self, unit: str) -> str | None:
        if self.bad_count:
            return (f"{self.bad_count} {unit}(s) are not valid records (seed format: user_prompt, optional id, "
                    f"system_prompt, teacher_output): {unit}s {_listing(self.bad_lines, self.bad_count)}.")
        if self.mismatch_count:
            return (f"{self.mismatch_count} {unit}(s) have labels that do not match the task schema: {unit}s "
                    f"{_listing(self.label_mismatches, self.mismatch_count)}.")
        if self.records == 0:
            return "The file has no records."
        return None


def _listing(numbers: list[int], total: int) -> str:
    text = ", ".join(str(n) for n in numbers)
    return text + (f" (and {total - len(numbers)} more)" if total > len(numbers) else "")


class _LimitedReader(io.RawIOBase):
    """Reads an upload in chunks and stops with 413 past `limit` bytes."""

    def __init__(self, source: IO[bytes], limit: int) -> None:
        self.source, self.limit, self.read_bytes = source, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            raise PayloadTooLarge(f"The file exceeds the upload limit of {self.limit} bytes.")
        buffer[:len(data)] = data
        return len(data)


def _iter_json_array(text: io.TextIOBase) -> Iterator[tuple[int, Any | None]]:
    """(item number, value) of a top-level JSON array read incrementally; value None for a bad item."""
    decoder = json.JSONDecoder()
    buffer, position, index, eof = "", 0, 0, False

    def fill() -> bool:
        nonlocal buffer, position, eof
        chunk = text.read(_CHUNK)
        if not chunk:
            eof = True
            return False
        buffer = buffer[position:] + chunk
        position = 0
        return True

    def skip_space() -> None:
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            if position < len(buffer) or eof or not fill():
                return

    fill()
    skip_space()
    if position >= len(buffer) or buffer[position] != "[":
        raise RecordsError("a JSON array must start with '['")
    position += 1
    skip_space()
    if position < len(buffer) and buffer[position] == "]":
        return  # an empty array
    while True:
        skip_space()
        if position >= len(buffer):
            raise RecordsError(f"the JSON array ends early (after item {index})")
        while True:
            try:
                value, end = decoder.raw_decode(buffer, position)
            except json.JSONDecodeError:
                if eof or not fill():
                    raise RecordsError(f"item {index}: not valid JSON") from None
                continue
            # complete only when a delimiter follows: "3" of "3.5" (or "3." of "3.5") goes on in the next chunk
            if (end < len(buffer) and buffer[end] in " \t\r\n,]") or eof or not fill():
                break
        position = end
        yield index, value
        index += 1
        skip_space()
        if position >= len(buffer):
            raise RecordsError(f"the JSON array ends early (after item {index - 1})")
        if buffer[position] == "]":
            return
        if buffer[position] != ",":
            raise RecordsError(f"item {index - 1}: expected ',' or ']' after it")
        position += 1


class FileStore:
    """Upload, check, list, read and delete dataset files (rows in the job-store database)."""

    def __init__(self, sessions: sessionmaker, objects: ObjectStore, work_dir: Path, max_bytes: int) -> None:
        self._sessions = sessions
        self._objects = objects
        self._work_dir = work_dir
        self.max_bytes = max_bytes

    # --- upload ------------------------------------------------------------------------------------
    def create(self, upload: IO[bytes], filename: str, purpose: Purpose, owner: Principal,
               csv_mapping: CsvMapping | None = None, task: Task | None = None) -> FileObject:
        """Check and store an upload; 413/422 (and nothing stored) when it is too large or not valid."""
        self._work_dir.mkdir(parents=True, exist_ok=True)
        file_id = f"file-{uuid.uuid4().hex}"
        fd, temp_name = tempfile.mkstemp(prefix="upload-", suffix=".jsonl", dir=self._work_dir)
        temp = Path(temp_name)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as out:
                source_format, report, digest, size = self._normalize(upload, out, filename, csv_mapping, task,
                                                                      purpose)
            key = f"files/{file_id}.jsonl"
            self._objects.upload_file(temp, key)
            try:
                with self._sessions.begin() as session:
                    session.add(FileRow(id=file_id, purpose=purpose, filename=filename[:255], bytes=size,
                                        records=report.records, labeled=report.labeled,
                                        source_format=source_format, sha256=digest, object_key=key,
                                        created_by=owner.name,
                                        details={"task": task.model_dump()} if task is not None else {}))
            except Exception:
                self._objects.delete(key)
                raise
        finally:
            temp.unlink(missing_ok=True)
        return self.get(file_id)

    def _normalize(self, upload: IO[bytes], out: IO[bytes], filename: str, csv_mapping: CsvMapping | None,
                   task: Task | None, purpose: str) -> tuple[str, CheckReport, str, int]:
        reader = io.BufferedReader(_LimitedReader(upload, self.max_bytes), buffer_size=_CHUNK)
        head = reader.peek(4096)[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        text = io.TextIOWrapper(reader, encoding="utf-8-sig", errors="strict", newline="")
        if csv_mapping is not None or filename.lower().endswith(".csv"):
            if csv_mapping is None:
                raise Unprocessable("A CSV file needs text_column (and id_column, label_columns for labeled data).")
            source_format, items = "csv", _csv_records(text, csv_mapping)
        elif head.startswith(b"["):
            source_format, items = "json", _iter_json_array(text)
        else:
            source_format, items = "jsonl", _jsonl_items(text)
        report = CheckReport()
        digest = hashlib.sha256()
        size = 0
        try:
            for where, value in items:
                record = _record(value)
                if record is None:
                    report.bad(where)
                    continue
                if record.teacher_output is not None:
                    report.labeled += 1
                    if task is not None and not _labels_match(task, record.teacher_output):
                        report.mismatch(where)
                        continue
                report.records += 1
                line = (json.dumps(record.model_dump(exclude_none=True), ensure_ascii=False) + "\n").encode()
                digest.update(line)
                size += len(line)
                out.write(line)
        except UnicodeDecodeError:
            raise Unprocessable("The file is not UTF-8 text.") from None
        except RecordsError as exc:
            raise Unprocessable(f"The file is not a valid dataset: {exc}.") from None
        unit = "item" if source_format == "json" else "line"
        problem = report.problem(unit)
        if problem is None and purpose == "fine-tune" and report.labeled == 0:
            problem = "A fine-tune file needs labeled records (teacher_output); none has one."
        if problem is not None:
            raise Unprocessable(problem, extra={"records": report.records, "bad_lines": report.bad_lines,
                                                "label_mismatches": report.label_mismatches})
        return source_format, report, digest.hexdigest(), size

    # --- read --------------------------------------------------------------------------------------
    def _row(self, file_id: str) -> FileRow:
        with self._sessions() as session:
            row = session.get(FileRow, file_id)
        if row is None or row.deleted:
            raise NotFound(f"No file with id '{file_id}'.")
        return row

    def get(self, file_id: str, principal: Principal | None = None) -> FileObject:
        return _view(self.require(file_id, principal))

    def require(self, file_id: str, principal: Principal | None = None,
                purpose: str | tuple[str, ...] | None = None) -> FileRow:
        """The file's row: 404 when unknown, 403 for another owner's file (without admin) or a missing role,
        422 when it was uploaded for another purpose."""
        row = self._row(file_id)
        if principal is not None:
            if not principal.has(PURPOSE_ROLES[row.purpose]):
                raise Forbidden(f"Files for '{row.purpose}' need the '{PURPOSE_ROLES[row.purpose]}' role.")
            if not principal.owns(row.created_by):
                raise Forbidden(f"File '{file_id}' was uploaded by another API key; it needs the 'admin' role.")
        allowed = (purpose,) if isinstance(purpose, str) else purpose
        if allowed is not None and row.purpose not in allowed:
            raise Unprocessable(f"File '{file_id}' was uploaded for '{row.purpose}', not {' or '.join(allowed)}.")
        return row

    def list(self, principal: Principal, purpose: str | None = None, limit: int = 100,
             after: str | None = None) -> list[FileObject]:
        """Newest first; a key without `admin` sees its own files of the purposes its roles allow."""
        query = select(FileRow).where(FileRow.deleted.is_(False)).order_by(FileRow.created_at.desc(), FileRow.id)
        if purpose is not None:
            query = query.where(FileRow.purpose == purpose)
        if not principal.has("admin"):
            query = query.where(FileRow.created_by == principal.name)
        allowed = [p for p, role in PURPOSE_ROLES.items() if principal.has(role)]
        query = query.where(FileRow.purpose.in_(allowed))
        if after is not None:
            anchor = self._row(after)
            query = query.where(FileRow.created_at <= anchor.created_at, FileRow.id != anchor.id)
        with self._sessions() as session:
            return [_view(row) for row in session.scalars(query.limit(limit))]

    def _download(self, row: FileRow) -> Path:
        """The file's normalized JSONL in a temporary file (mode 0600) the caller removes."""
        self._work_dir.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix="download-", suffix=".jsonl", dir=self._work_dir)
        os.close(fd)
        temp = Path(temp_name)
        try:
            self._objects.download_file(row.object_key, temp)
        except ObjectNotFound:
            temp.unlink(missing_ok=True)
            raise NotFound(f"The content of file '{row.id}' is missing from object storage.") from None
        return temp

    def iter_content(self, file_id: str, principal: Principal | None = None) -> tuple[FileRow, Iterator[bytes]]:
        """The normalized JSONL content, streamed from object storage through a temporary file."""
        row = self.require(file_id, principal)
        temp = self._download(row)

        def chunks() -> Iterator[bytes]:
            try:
                with temp.open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        yield chunk
            finally:
                temp.unlink(missing_ok=True)

        return row, chunks()

    def iter_records(self, file_id: str, principal: Principal | None = None,
                     purpose: str | tuple[str, ...] | None = None) -> tuple[FileRow, Iterator[Record]]:
        """The file's records one at a time (a job over a large file holds one record in memory, not
        the file). The row comes first, so its record count can be checked before anything is read: the
        content is downloaded (to a temporary copy, removed after) when the records are first read."""
        row = self.require(file_id, principal, purpose)

        def records() -> Iterator[Record]:
            temp = self._download(row)
            try:
                with temp.open("rb") as handle:
                    for line in handle:
                        if line.strip():
                            yield Record.model_validate_json(line)
            finally:
                temp.unlink(missing_ok=True)

        return row, records()

    def records(self, file_id: str, principal: Principal | None = None,
                purpose: str | tuple[str, ...] | None = None) -> list[Record]:
        """The file's records (for a job that takes the whole file)."""
        row = self.require(file_id, principal, purpose)
        try:
            return parse_records(self._objects.get_bytes(row.object_key))
        except ObjectNotFound:
            raise NotFound(f"The content of file '{file_id}' is missing from object storage.") from None

    def task(self, file_id: str) -> Task | None:
        """The task the file's labels were checked against at upload, if one was given."""
        stored = (self._row(file_id).details or {}).get("task")
        return Task.model_validate(stored) if stored else None

    # --- delete ------------------------------------------------------------------------------------
    def delete(self, file_id: str, principal: Principal) -> FileRow:
        """Remove the content and mark the row deleted (the row stays for the audit trail)."""
        row = self.require(file_id, principal)
        self._objects.delete(row.object_key)
        with self._sessions.begin() as session:
            stored = session.get(FileRow, file_id)
            if stored is not None:
                stored.deleted = True
        return row


def _view(row: FileRow) -> FileObject:
    return FileObject(id=row.id, bytes=row.bytes, created_at=int(row.created_at.timestamp()), filename=row.filename,
                      purpose=row.purpose, records=row.records, labeled_records=row.labeled,
                      source_format=row.source_format, sha256=row.sha256, created_by=row.created_by,
                      task=((row.details or {}).get("task") or {}).get("name"))


def _jsonl_items(text: io.TextIOBase) -> Iterator[tuple[int, Any | None]]:
    for lineno, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError:
            yield lineno, None


def _csv_records(text: io.TextIOBase, mapping: CsvMapping) -> Iterator[tuple[int, Any | None]]:
    rows = csv.DictReader(text)
    header = rows.fieldnames or []
    wanted = [mapping.text_column, mapping.id_column, mapping.system_prompt_column, *mapping.label_columns]
    missing = [c for c in wanted if c is not None and c not in header]
    if missing:
        raise Unprocessable(f"The CSV header lacks the column(s) {', '.join(missing)}.")
    for row in rows:
        line = rows.line_num
        text_value = row.get(mapping.text_column)
        if not text_value or not text_value.strip():
            yield line, None
            continue
        record: dict[str, Any] = {"user_prompt": text_value}
        if mapping.id_column:
            record["id"] = row.get(mapping.id_column) or None
        if mapping.system_prompt_column:
            record["system_prompt"] = row.get(mapping.system_prompt_column) or ""
        if mapping.label_columns:
            record["teacher_output"] = {c: row.get(c) for c in mapping.label_columns}
        yield line, record


def _record(value: Any) -> Record | None:
    if not isinstance(value, dict):
        return None
    try:
        record = Record.model_validate(value)
    except ValidationError:
        return None
    if isinstance(record.user_prompt, str) and not record.user_prompt.strip():
        return None
    return record


def _labels_match(task: Task, output: dict[str, Any]) -> bool:
    try:
        task.validate_output(output)
    except (ValidationError, ValueError, SchemaError):
        return False
    return True
