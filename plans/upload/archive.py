"""Turn what staff sent (files and .zip archives) into candidate plan files, refusing unsafe archive content.

Nothing is ever extracted to disk: members are read into memory with hard caps, so a lying header cannot make us
read more than the limits allow. Per member we refuse unsafe paths (absolute, drive letters, `..`), links,
encrypted members, nested archives and files that are not plans. A whole archive is refused when it looks like a
zip bomb (too many members, too much uncompressed data, or a compression ratio no real plan has).
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePosixPath

from django.conf import settings

PLAN_EXTENSIONS = (".txt", ".html", ".htm", ".docx", ".pdf")
ARCHIVE_EXTENSIONS = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst")
# Below this size a high compression ratio is harmless (a short, repetitive text), so it is not checked.
RATIO_CHECK_MIN_BYTES = 64 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Candidate:
    """A file to hand to the ingest pipeline. `name` is what ingest sees; `label` is what staff see."""

    name: str
    data: bytes
    label: str


@dataclass(frozen=True)
class Refusal:
    """A file (or archive, or archive member) refused before ingest, with a reason a person can act on."""

    label: str
    reason: str


@dataclass(frozen=True)
class Limits:
    max_member_bytes: int
    max_members: int
    max_total_bytes: int
    max_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_member_bytes=settings.PLAN_MAX_FILE_BYTES,
            max_members=settings.UPLOAD_ZIP_MAX_MEMBERS,
            max_total_bytes=settings.UPLOAD_ZIP_MAX_TOTAL_BYTES,
            max_ratio=settings.UPLOAD_ZIP_MAX_RATIO,
        )


class ArchiveRefused(Exception):
    """The whole archive is refused (a zip bomb or a broken archive)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(".zip")


def expand(uploads: Iterable[tuple[str, bytes]], limits: Limits | None = None) -> list[Candidate | Refusal]:
    """Expand uploads in order: plain files pass through unchanged (ingest judges them), each zip becomes its members.

    Returns candidates and refusals in the order staff will see them in the report.
    """
    limits = limits or Limits.from_settings()
    entries: list[Candidate | Refusal] = []
    for name, data in uploads:
        label = _display_name(name)
        if not is_archive_name(name):
            entries.append(Candidate(name=label, data=data, label=label))
            continue
        try:
            entries.extend(expand_zip(data, label, limits))
        except ArchiveRefused as refused:
            entries.append(Refusal(label=label, reason=refused.reason))
    return entries


def expand_zip(data: bytes, archive_label: str, limits: Limits) -> list[Candidate | Refusal]:
    """The members of one zip archive as candidates or refusals; raise ArchiveRefused for a bomb or broken file."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveRefused(f"不是有效的 zip 压缩包（{exc}）") from exc
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        _check_headers(infos, limits)
        entries: list[Candidate | Refusal] = []
        total = 0
        for info in infos:
            member = _member_name(info)
            label = f"{archive_label} › {member}"
            reason = _member_refusal(info, member)
            if reason:
                entries.append(Refusal(label=label, reason=reason))
                continue
            content = _read_capped(archive, info, label, limits, room=limits.max_total_bytes - total)
            if isinstance(content, Refusal):
                entries.append(content)
                continue
            total += len(content)
            entries.append(Candidate(name=member, data=content, label=label))
        if not infos:
            raise ArchiveRefused("压缩包是空的")
        return entries


def _check_headers(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse the archive on what its directory declares, before reading any member."""
    if len(infos) > limits.max_members:
        raise ArchiveRefused(f"压缩包有 {len(infos)} 个文件，超过上限 {limits.max_members} 个")
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_total_bytes:
        raise ArchiveRefused(
            f"疑似压缩炸弹：解压后共 {_mb(declared)}，超过上限 {_mb(limits.max_total_bytes)}"
        )
    for info in infos:
        ratio = _ratio(info.file_size, info.compress_size)
        if info.file_size >= RATIO_CHECK_MIN_BYTES and ratio > limits.max_ratio:
            raise ArchiveRefused(
                f"疑似压缩炸弹：{_member_name(info)} 的压缩比 {ratio:.0f}:1 超过上限 {limits.max_ratio}:1"
            )


def _member_refusal(info: zipfile.ZipInfo, member: str) -> str:
    """Why one member is refused, or '' when it may go to ingest."""
    raw = info.filename.replace("\\", "/")
    parts = PurePosixPath(raw).parts
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":") or ".." in parts:
        return "路径不安全（绝对路径或含 ..），已拒绝"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "压缩包中的符号链接，已拒绝"
    if info.flag_bits & 0x1:
        return "加密的文件无法读取"
    if parts and (
        parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] in {".DS_Store", "Thumbs.db"}
    ):
        return "系统附加文件（macOS / Windows 生成），已忽略"
    lower = member.lower()
    if lower.endswith(ARCHIVE_EXTENSIONS):
        return "压缩包中不能再嵌套压缩包"
    if not lower.endswith(PLAN_EXTENSIONS):
        suffix = PurePosixPath(member).suffix or "无扩展名"
        return f"不是规划文件（{suffix}）：只接受 {' '.join(PLAN_EXTENSIONS)}"
    return ""


def _read_capped(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, limits: Limits, room: int
) -> bytes | Refusal:
    """Read a member without trusting its header: stop at the per-file cap, the archive's remaining room,
    or the ratio limit, whichever comes first."""
    cap = min(limits.max_member_bytes, room)
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > room:
                    raise ArchiveRefused(f"疑似压缩炸弹：解压总量超过上限 {_mb(limits.max_total_bytes)}")
                if size >= RATIO_CHECK_MIN_BYTES and _ratio(size, info.compress_size) > limits.max_ratio:
                    raise ArchiveRefused(
                        f"疑似压缩炸弹：{_member_name(info)} 的实际压缩比超过上限 {limits.max_ratio}:1"
                    )
                if size > cap:
                    return Refusal(label=label, reason=f"文件超过单个文件上限 {_mb(limits.max_member_bytes)}")
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        return Refusal(label=label, reason=f"无法从压缩包读取（{exc}）")
    return b"".join(chunks)


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's path, decoded right: archives made on Chinese Windows store GBK names without the UTF-8 flag,
    which Python reads as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = b""
        for encoding in ("utf-8", "gb18030"):
            try:
                name = raw.decode(encoding) if raw else name
                break
            except UnicodeDecodeError:
                continue
    return name.replace("\\", "/").lstrip("/")


def _display_name(name: str) -> str:
    """Browsers send a bare file name, but never trust that: keep only the last path component."""
    return PurePosixPath(name.replace("\\", "/")).name or "未命名文件"


def _ratio(size: int, compressed: int) -> float:
    return size / max(compressed, 1)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
