"""Plan files built at test time: text in GBK, an HTML page in GB18030 with site chrome, a .docx (python-docx),
a .pdf (reportlab with the CID font STSong-Light), and zips of them. Every plan text is distinct, so each has its
own checksum."""

from __future__ import annotations

import io
import zipfile

REGIONS = {
    "湖北": "湖北省",
    "江西": "江西省",
    "浙江": "浙江省",
    "四川": "四川省",
    "河南": "河南省",
    "广东": "广东省",
}


def plan_lines(region: str, year: int, topic: str = "科技成果转化") -> list[str]:
    """A short, realistic work plan with a title, an issuer, a date, numbered sections and theme keywords."""
    full = REGIONS[region]
    return [
        f"{full}{year}年科技工作要点",
        f"{full}科学技术厅",
        f"{year}年3月1日",
        "一、总体要求",
        f"{year}年，全省科技工作要坚持创新驱动发展战略，深化科技体制改革，推进{topic}。",
        "二、重点任务",
        f"（一）推进{topic}。完善技术转移体系，建设技术市场，促进成果转化和科技成果转化。",
        "（二）培育高新技术企业。实施高新技术企业倍增计划，支持企业研发投入，建设孵化器和众创空间。",
        f"（三）加强科技人才队伍建设。引进高层次人才和创新团队，支持{full}青年科技人才。",
        "三、保障措施",
        f"加强组织领导，落实{topic}各项任务，确保{year}年目标完成。",
    ]


def gbk_txt(region: str = "湖北", year: int = 2018, topic: str = "科技成果转化") -> bytes:
    return "\r\n".join(plan_lines(region, year, topic)).encode("gbk")


def gb18030_html(region: str = "江西", year: int = 2019, topic: str = "科技金融") -> bytes:
    """A government web page: navigation, counters and copyright around the plan."""
    body = "".join(f"<p>{line}</p>" for line in plan_lines(region, year, topic))
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb18030">'
        f"<title>{REGIONS[region]}{year}年科技工作要点</title></head><body>"
        f"<div class='nav'>{REGIONS[region]}人民政府网 | 邮箱 | 计划管理 | 政务公开</div>"
        f"<div class='content'>{body}</div>"
        "<div>已阅 26 打印 关闭</div><div>[打印文章] [添加收藏]</div>"
        "<div class='footer'>版权所有 翻版必究 ICP备05004745号</div></body></html>"
    )
    return page.encode("gb18030")


def docx(region: str = "浙江", year: int = 2020, topic: str = "创新平台") -> bytes:
    from docx import Document

    document = Document()
    for line in plan_lines(region, year, topic):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf(region: str = "四川", year: int = 2021, topic: str = "基础研究") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("STSong-Light", 11)
    y = 800
    for line in plan_lines(region, year, topic):
        # reportlab does not wrap: split long lines so each fits the page width
        for start in range(0, len(line), 40):
            page.drawString(40, y, line[start : start + 40])
            y -= 18
    page.save()
    return buffer.getvalue()


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


BINARY = bytes(range(256)) * 64
