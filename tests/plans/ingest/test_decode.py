"""Each text encoding we accept decodes to the same text, and line ends are normalised."""

import pytest

from plans.ingest.decode import decode_bytes, plausibility
from plans.ingest.errors import IngestError

SIMPLIFIED = (
    "湖北省2017年科技工作要点\n一、深化科技体制改革，全面推进创新体系建设。\n1.完善科技政策法规体系。"
)
TRADITIONAL = "臺灣省科技工作要點\n一、深化科技體制改革，全面推進創新體系建設。\n1.完善科技政策法規體系。"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SIMPLIFIED.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"), "utf-8-sig"),
        (SIMPLIFIED.encode("gbk"), "gbk"),
        (SIMPLIFIED.encode("utf-16"), "utf-16"),
    ],
)
def test_simplified_encodings(data, encoding):
    decoded = decode_bytes(data)
    assert decoded.text == SIMPLIFIED
    assert decoded.encoding == encoding


def test_gb18030_with_a_character_outside_gbk():
    text = SIMPLIFIED + "\n𠀀字与€符号"  # U+20000 needs a four-byte GB18030 sequence
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    decoded = decode_bytes(text.encode("gb18030"))
    assert decoded.text == text
    assert decoded.encoding == "gb18030"


def test_big5_is_not_mistaken_for_gbk():
    data = TRADITIONAL.encode("big5")
    decoded = decode_bytes(data)
    assert decoded.text == TRADITIONAL
    assert decoded.encoding.startswith("big5")


def test_gbk_is_not_mistaken_for_big5():
    # These GBK bytes also decode without error as Big5; plausibility must pick GBK.
    text = "科技创新工作要点"
    data = text.encode("gbk")
    data.decode("big5")  # would not raise: the tie is real
    assert decode_bytes(data).text == text


def test_crlf_and_cr_become_lf():
    data = "第一行\r\n第二行\r第三行\n".encode("gbk")
    assert decode_bytes(data).text == "第一行\n第二行\n第三行\n"


def test_plausibility_prefers_the_right_script():
    assert plausibility(SIMPLIFIED, "simplified") > 0.95
    assert plausibility(SIMPLIFIED.encode("gbk").decode("big5", errors="replace"), "traditional") < 0.6


@pytest.mark.parametrize("data", [b"", b"   ", b"\x00\x01\x02\x03binary\x00data"])
def test_empty_and_binary_are_rejected(data):
    with pytest.raises(IngestError):
        decode_bytes(data)


def test_utf8_cut_inside_the_last_character():
    data = SIMPLIFIED.encode("utf-8") + "要".encode()[:2]
    decoded = decode_bytes(data)
    assert decoded.text == SIMPLIFIED
    assert decoded.encoding == "utf-8" and "truncated" in decoded.method


def test_utf8_with_one_stray_byte_is_not_read_as_another_encoding():
    line = SIMPLIFIED.encode("utf-8")
    data = line * 10 + b"\xff" + line * 10
    decoded = decode_bytes(data)
    assert decoded.encoding == "utf-8"
    assert decoded.text.count("\ufffd") == 1
    assert decoded.text.replace("\ufffd", "") == (SIMPLIFIED * 20)
