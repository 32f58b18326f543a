"""Where uploaded files wait between the preview and the confirmation.

The bytes never travel back through the browser: they sit in a private folder under UPLOAD_STAGING_DIR, one folder
per batch, named by a random id. The confirmation form carries only a token signed with SECRET_KEY that binds the
batch to the user who uploaded it and expires after UPLOAD_STAGING_MAX_AGE. Each file's SHA-256 is checked again
when it is read back, so a file changed on disk in between is refused rather than saved.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing

_SALT = "plans.upload.staging"
_MANIFEST = "manifest.json"


class StagingError(Exception):
    """The batch is unknown, expired, belongs to someone else, or was tampered with."""


@dataclass
class StagedFile:
    """One file waiting for confirmation, with the preview of what ingest extracted from it."""

    name: str
    label: str
    sha256: str
    size: int
    position: int = 0  # place in the batch as uploaded, so the report keeps the order staff chose
    preview: dict[str, Any] = field(default_factory=dict)


@dataclass
class Batch:
    batch_id: str
    user_id: int
    created: float
    files: list[StagedFile]
    refusals: list[
        dict[str, Any]
    ]  # {"label", "reason", "position"}: refused at preview, carried into the report

    @property
    def folder(self) -> Path:
        return _root() / self.batch_id


def stage(*, user_id: int, files: list[tuple[StagedFile, bytes]], refusals: list[dict[str, Any]]) -> str:
    """Store a batch and return the signed token that lets `user_id` (and only them) load it again."""
    purge_expired()
    batch_id = secrets.token_hex(16)
    folder = _root() / batch_id
    folder.mkdir(mode=0o700, parents=True)
    for number, (_staged, data) in enumerate(files):
        (folder / f"{number}.bin").write_bytes(data)
    batch = Batch(
        batch_id=batch_id,
        user_id=user_id,
        created=time.time(),
        files=[staged for staged, _ in files],
        refusals=refusals,
    )
    (folder / _MANIFEST).write_text(json.dumps(asdict(batch), ensure_ascii=False), encoding="utf-8")
    return signing.dumps({"batch": batch_id, "user": user_id}, salt=_SALT)


def load(token: str, *, user_id: int) -> Batch:
    """The batch behind a token; StagingError if the token is bad, expired, someone else's, or the batch is gone."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=settings.UPLOAD_STAGING_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise StagingError("这批上传已过期，请重新上传。") from exc
    except signing.BadSignature as exc:
        raise StagingError("上传批次无效，请重新上传。") from exc
    batch_id = str(payload.get("batch", ""))
    if payload.get("user") != user_id:
        raise StagingError("这批上传属于另一位用户。")
    manifest = _root() / batch_id / _MANIFEST
    if not batch_id.isalnum() or not manifest.is_file():
        raise StagingError("这批上传已经处理过或已被清理，请重新上传。")
    raw = json.loads(manifest.read_text(encoding="utf-8"))
    raw["files"] = [StagedFile(**item) for item in raw["files"]]
    batch = Batch(**raw)
    if batch.user_id != user_id:
        raise StagingError("这批上传属于另一位用户。")
    return batch


def read(batch: Batch, number: int) -> bytes:
    """The bytes of file `number` of the batch, verified against the checksum taken at upload."""
    staged = batch.files[number]
    data = (batch.folder / f"{number}.bin").read_bytes()
    if hashlib.sha256(data).hexdigest() != staged.sha256:
        raise StagingError(f"{staged.label}：暂存文件已被改动，已拒绝。")
    return data


def discard(batch: Batch) -> None:
    """Remove a batch once it has been confirmed (or abandoned)."""
    shutil.rmtree(batch.folder, ignore_errors=True)


def purge_expired(now: float | None = None) -> int:
    """Remove batches older than UPLOAD_STAGING_MAX_AGE; return how many were removed."""
    root = _root()
    limit = (now or time.time()) - settings.UPLOAD_STAGING_MAX_AGE
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _root() -> Path:
    root = Path(settings.UPLOAD_STAGING_DIR)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    return root
