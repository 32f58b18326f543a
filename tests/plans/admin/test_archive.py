"""Zip handling of the upload page: members become candidates, unsafe content is refused with a reason."""

import io
import stat
import zipfile

import pytest

from plans.upload.archive import Candidate, Limits, Refusal, expand

LIMITS = Limits(
    max_member_bytes=5 * 1024 * 1024, max_members=20, max_total_bytes=8 * 1024 * 1024, max_ratio=50
)
PLAN = "湖北省2017年科技工作要点\n一、总体要求\n推进科技成果转化。\n".encode()


def make_zip(members, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members:
            if isinstance(name, zipfile.ZipInfo):
                archive.writestr(name, data)
            else:
                archive.writestr(name, data)
    return buffer.getvalue()


def by_label(entries):
    return {entry.label: entry for entry in entries}


def test_plain_files_pass_through_with_their_bare_name():
    entries = expand([("C:\\Users\\a\\湖北.txt", PLAN), ("x.pdf", b"%PDF")], LIMITS)
    assert entries == [
        Candidate(name="湖北.txt", data=PLAN, label="湖北.txt"),
        Candidate("x.pdf", b"%PDF", "x.pdf"),
    ]


def test_each_plan_member_of_a_zip_becomes_a_candidate():
    data = make_zip([("a/湖北.txt", PLAN), ("b.html", b"<p>x</p>"), ("folder/", b"")])
    entries = expand([("batch.zip", data)], LIMITS)
    assert [(e.name, e.label) for e in entries] == [
        ("a/湖北.txt", "batch.zip › a/湖北.txt"),
        ("b.html", "batch.zip › b.html"),
    ]
    assert entries[0].data == PLAN


@pytest.mark.parametrize(
    ("member", "reason_part"),
    [
        ("../evil.txt", "路径不安全"),
        ("a/../../evil.txt", "路径不安全"),
        ("/etc/evil.txt", "路径不安全"),
        ("C:/evil.txt", "路径不安全"),
        ("inner.zip", "嵌套"),
        ("inner.7z", "嵌套"),
        ("photo.jpg", "不是规划文件"),
        ("README", "不是规划文件"),
        ("__MACOSX/._a.txt", "系统附加文件"),
    ],
)
def test_unsafe_or_non_plan_members_are_refused_and_the_rest_kept(member, reason_part):
    data = make_zip([(member, b"PK\x03\x04 whatever"), ("ok.txt", PLAN)])
    entries = expand([("batch.zip", data)], LIMITS)
    refused = [e for e in entries if isinstance(e, Refusal)]
    assert len(refused) == 1 and reason_part in refused[0].reason
    assert [e.name for e in entries if isinstance(e, Candidate)] == ["ok.txt"]


def test_a_symlink_member_is_refused():
    info = zipfile.ZipInfo("link.txt")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    entries = expand([("batch.zip", make_zip([(info, "/etc/passwd")]))], LIMITS)
    assert isinstance(entries[0], Refusal) and "符号链接" in entries[0].reason


def test_a_high_ratio_member_refuses_the_whole_archive_as_a_bomb():
    bomb = make_zip([("ok.txt", PLAN), ("zeros.txt", b"\0" * (4 * 1024 * 1024))])
    entries = expand([("bomb.zip", bomb), ("next.txt", PLAN)], LIMITS)
    assert isinstance(entries[0], Refusal) and entries[0].label == "bomb.zip"
    assert "压缩炸弹" in entries[0].reason
    assert isinstance(entries[1], Candidate)  # the rest of the batch is unaffected


def test_too_much_uncompressed_data_refuses_the_archive():
    # Stored (not compressed), so the ratio is 1:1 and only the total limit can catch it.
    members = [(f"{n}.txt", b"x" * (3 * 1024 * 1024)) for n in range(3)]
    entries = expand([("big.zip", make_zip(members, compression=zipfile.ZIP_STORED))], LIMITS)
    assert len(entries) == 1 and "解压后共" in entries[0].reason


def test_too_many_members_refuses_the_archive():
    data = make_zip([(f"{n}.txt", PLAN) for n in range(21)])
    entries = expand([("many.zip", data)], LIMITS)
    assert len(entries) == 1 and "超过上限 20 个" in entries[0].reason


def test_a_lying_header_is_caught_while_reading():
    # GIVEN a zip whose central directory claims a tiny member while the stream is large
    data = bytearray(make_zip([("zeros.txt", b"\0" * (4 * 1024 * 1024))]))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    directory = data.rfind(b"PK\x01\x02")
    # patch the uncompressed size (offset 24) in the central directory to 100 bytes
    data[directory + 24 : directory + 28] = (100).to_bytes(4, "little")
    assert info.file_size == 4 * 1024 * 1024
    # WHEN it is expanded THEN reading stops at the real ratio (or zipfile's own size check): never 4 MB accepted
    entries = expand([("liar.zip", bytes(data))], LIMITS)
    assert not any(isinstance(e, Candidate) and len(e.data) > 100 for e in entries)
    assert isinstance(entries[0], Refusal)


def test_gbk_member_names_from_chinese_windows_are_decoded():
    # GIVEN an archive as Windows' zip tool writes it: a GBK name without the UTF-8 flag
    raw = "湖北省2017年科技工作要点.txt".encode("gbk")
    placeholder = b"a" * (len(raw) - 4) + b".txt"
    data = make_zip([(placeholder.decode(), PLAN)]).replace(placeholder, raw)
    # WHEN expanded THEN the name is read as GBK, not as cp437 mojibake
    entries = expand([("win.zip", data)], LIMITS)
    assert entries[0].name == "湖北省2017年科技工作要点.txt"


def test_a_corrupt_or_empty_zip_is_refused():
    assert "不是有效的 zip" in expand([("bad.zip", b"not a zip")], LIMITS)[0].reason
    assert "空的" in expand([("empty.zip", make_zip([]))], LIMITS)[0].reason
