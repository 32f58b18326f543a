"""Metadata of a plan from its text (header, info table, body) and from its file name.

Every field records how it was found: {"value", "method", "evidence", "confidence"} in `extraction`. A field that
cannot be determined stays empty and adds a review note; a field inferred with low confidence is kept but also
flagged. Nothing is guessed silently.

Order of evidence, strongest first: the person's overrides > what the document says about itself (title, info
table, the 人民代表大会 line of a work report) > the file name > inference from place names in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from plans.ingest.dates import arabic_dates, find_dates
from plans.ingest.errors import IngestError
from plans.ingest.gazetteer import MUNICIPALITIES
from plans.ingest.header import (
    YEAR,
    ascii_digits,
    compact,
    from_filename,
    header_lines,
    is_work_report,
    labelled,
)
from plans.ingest.regions import (
    NATIONAL,
    city_named,
    full_region_name,
    infer_region,
    normalise_region,
    regions_named,
)

LEVELS = {"national": "national", "provincial": "provincial", "municipal": "municipal"}
LEVEL_ALIASES = {"国家级": "national", "国家": "national", "省级": "provincial", "市级": "municipal"}
# The region inferred from place names is accepted from a share of 0.5 of the weighted mentions and flagged
# for review below REVIEW_CONFIDENCE or with fewer than REVIEW_MIN_MENTIONS mentions. Measured on the 680
# provincial reports of the corpus with their headers ignored: every inference with a share of 0.6 or more
# was right (31 of 31 between 0.6 and 0.8, 648 of 648 above); national reports spread their mentions
# (shares below 0.4) and are never given a province.
REVIEW_CONFIDENCE = 0.6
REVIEW_MIN_MENTIONS = 5

_NPC_LINE = re.compile(r"在(?P<where>.{0,14}?)第.{1,4}届(全国)?人民代表大会")
_DELEGATE = re.compile(r"代表(?P<who>.{0,12}?)(人民政府|国务院)")
_ORG_SUFFIX = r"(?:科学技术厅|科技厅|科学技术委员会|科委|科技局|委员会|人民政府|办公厅|办公室|政府|厅|委|局|部|院|国务院)"
_TITLE_ORG = re.compile(rf"^(?P<org>[\u4e00-\u9fa5]{{1,20}}?{_ORG_SUFFIX})(?=(?:19|20)\d{{2}}年|关于|印发)")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,12}[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]\s*\d{1,4}\s*号")
# Bodies of the central government: their plans apply nationwide (region 全国).
_NATIONAL_BODY = re.compile(
    r"^(国务院|中共中央|中华人民共和国|科学技术部|科技部|国家发展和?改革委员会|国家发展改革委|国家发改委|财政部|教育部|工业和信息化部|"
    r"农业农村部|国家[\u4e00-\u9fa5]{1,10}(局|委员会|委|署|院))"
)
_TITLE_WORDS = (
    "要点",
    "安排",
    "报告",
    "规划",
    "计划",
    "方案",
    "意见",
    "通知",
    "纲要",
    "办法",
    "总结",
    "部署",
    "决定",
)


@dataclass
class Overrides:
    """Values a person forces for a file (command options, admin upload form); None means "extract it"."""

    region: str | None = None
    year: int | None = None
    level: str | None = None


@dataclass
class Metadata:
    """Extracted metadata, with the per-field explanation and the notes for a reviewer."""

    title: str = ""
    issuer: str = ""
    region: str = ""
    level: str = ""
    city: str = ""
    year: int | None = None
    published_on: date | None = None
    doc_number: str = ""
    index_number: str = ""
    extraction: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    review_notes: list[str] = field(default_factory=list)

    def record(self, name: str, value: Any, method: str, evidence: str, confidence: float) -> None:
        """Set a field and explain it."""
        setattr(self, name, value)
        shown = value.isoformat() if isinstance(value, date) else value
        self.extraction[name] = {
            "value": shown,
            "method": method,
            "evidence": evidence[:200],
            "confidence": round(confidence, 2),
        }

    def missing(self, name: str, note: str) -> None:
        """Leave a field empty and tell the reviewer why."""
        self.extraction[name] = {"value": None, "method": "none", "evidence": "", "confidence": 0.0}
        self.review_notes.append(note)


# --- normalising values a person typed -------------------------------------------------------------------


def normalise_level(value: str) -> str:
    """national / provincial / municipal (or 国家级 / 省级 / 市级); raises IngestError otherwise."""
    level = LEVELS.get(value.strip().lower()) or LEVEL_ALIASES.get(value.strip())
    if level is None:
        raise IngestError(f"未知的层级“{value}”：应为 national、provincial 或 municipal")
    return level


def extract_metadata(
    raw_text: str, clean_text: str, filename: str, overrides: Overrides | None = None
) -> Metadata:
    """All metadata fields of one plan; see the module docstring for the order of evidence."""
    overrides = overrides or Overrides()
    meta = Metadata()
    raw_text = arabic_dates(ascii_digits(raw_text))
    clean_text = ascii_digits(clean_text)
    clean_text_dates = arabic_dates(clean_text)
    raw_head = header_lines(raw_text)
    clean_head = header_lines(clean_text_dates)
    head_blob = "\n".join(raw_head)
    work_report = is_work_report(clean_head, clean_text[:800])
    file_region, file_year = from_filename(ascii_digits(filename))

    # Info table of the web page.
    index_number = labelled(raw_head, "索引号")
    if index_number:
        meta.record("index_number", index_number, "info-table", "索引号", 0.99)
    doc_number = labelled(raw_head, "文号")
    if doc_number:
        meta.record("doc_number", doc_number, "info-table", "文号", 0.99)
    elif match := _DOC_NUMBER.search(head_blob):
        meta.record("doc_number", compact(match.group()), "header-pattern", match.group(), 0.9)
    labelled_issuer = labelled(raw_head, "发布机构") or labelled(raw_head, "发文机关")

    # The 人民代表大会 line of a work report: "——2017年1月15日在湖北省第十二届人民代表大会第五次会议上".
    npc_match = _NPC_LINE.search(arabic_dates(clean_text[:1500]))
    npc_line = ""
    if npc_match:
        start = clean_text_dates.rfind("\n", 0, npc_match.start()) + 1
        end = clean_text_dates.find("\n", npc_match.end())
        npc_line = clean_text_dates[start : end if end != -1 else None].strip()

    _extract_title(meta, clean_head, work_report)
    _extract_date(meta, raw_head, npc_line, work_report)
    _extract_region(meta, overrides, clean_text_dates, labelled_issuer, npc_match, file_region, work_report)
    _extract_year(meta, overrides, npc_line, work_report, file_year, clean_text)
    if (
        work_report
        and meta.region
        and meta.year
        and not (regions_named(meta.title) and YEAR.search(meta.title))
    ):
        composed = f"{meta.year}年{'国务院' if meta.region == NATIONAL else full_region_name(meta.region)}政府工作报告"
        evidence = f"文中标题“{meta.title}”未写明地区和年份" if meta.title else "文中没有标题"
        meta.record("title", composed, "composed", evidence, 0.9)
        meta.review_notes = [note for note in meta.review_notes if not note.startswith("未能确定标题")]
    _extract_issuer(meta, raw_head, labelled_issuer, work_report)
    _extract_level(meta, overrides, clean_text, work_report)
    return meta


def _extract_title(meta: Metadata, head: list[str], work_report: bool) -> None:
    for line in head[:6]:
        squeezed = compact(line)
        if (
            len(squeezed) < 4
            or len(squeezed) > 80
            or squeezed.startswith(("——", "─", "—", "各位代表", "（", "("))
            or find_dates(line)
            and not re.search(r"[\u4e00-\u9fa5]{4}", DATE_STRIP.sub("", line))
            or re.match(r"^[一二三四五六七八九十]+、", squeezed)
            or _SIGNATURE.search(squeezed)
            or _DOC_NUMBER.fullmatch(squeezed)  # 鄂科技发〔2018〕3号
            or squeezed.endswith(("文件", "：", ":"))  # the red head "湖北省科学技术厅文件", the addressees
        ):
            continue
        if squeezed == "政府工作报告" and not work_report:
            continue
        if any(word in squeezed for word in _TITLE_WORDS) or work_report is False:
            title = re.sub(r"\s+", " ", line).strip()
            following = head[head.index(line) + 1 : head.index(line) + 4]
            while following and _continues(title, following[0]):
                title += following.pop(0).strip()  # a title broken over lines: "…关于印发" / "《…》的通知"
            meta.record("title", title, "first-line", title, 0.95)
            return
    meta.missing("title", "未能确定标题：文首没有像标题的行")


# "甘肃省代省长 陆浩", "北京市市长 刘淇", "国务院总理温家宝": who speaks, not what the document is called.
_SIGNATURE = re.compile(r"(?:代?省长|代?市长|代?主席|总理)[\u4e00-\u9fa5]{0,4}$")


def _continues(title: str, line: str) -> bool:
    """True when `line` carries on a title that a line break cut short."""
    return title.endswith(("关于印发", "关于转发", "关于", "印发", "转发", "的")) or (
        line.startswith("《")
        and "》" in line
        and len(line) <= 60
        and not title.endswith(("》", "通知", "意见"))
    )


DATE_STRIP = re.compile(r"(?:19|20)\d{2}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}\s*日?")


def _extract_date(meta: Metadata, raw_head: list[str], npc_line: str, work_report: bool) -> None:
    for label in ("发文日期", "发布日期", "成文日期", "发布时间"):
        value = labelled(raw_head, label)
        found = find_dates(value)
        if found:
            meta.record("published_on", found[0][0], "info-table", f"{label} {value}", 0.99)
            return
    if work_report and npc_line and (found := find_dates(npc_line)):
        meta.record("published_on", found[0][0], "work-report-line", npc_line, 0.97)
        return
    for line in raw_head:
        found = find_dates(line)
        if found and len(compact(DATE_STRIP.sub("", line))) <= 40:
            meta.record("published_on", found[0][0], "header-date", line, 0.85)
            return
    meta.extraction["published_on"] = {"value": None, "method": "none", "evidence": "", "confidence": 0.0}


def _extract_region(
    meta: Metadata,
    overrides: Overrides,
    text: str,
    labelled_issuer: str,
    npc_match: re.Match[str] | None,
    file_region: str,
    work_report: bool,
) -> None:
    if overrides.region:
        meta.record("region", normalise_region(overrides.region), "override", overrides.region, 1.0)
        return
    explicit: list[tuple[str, str, str]] = []  # (region, method, evidence)
    for region in regions_named(meta.title)[:1]:
        explicit.append((region, "title", meta.title))
    if _NATIONAL_BODY.match(meta.title) and not explicit:
        explicit.append((NATIONAL, "title", meta.title))
    for region in regions_named(labelled_issuer)[:1]:
        explicit.append((region, "info-table", f"发布机构 {labelled_issuer}"))
    if _NATIONAL_BODY.match(labelled_issuer):
        explicit.append((NATIONAL, "info-table", f"发布机构 {labelled_issuer}"))
    if npc_match:
        where = npc_match["where"]
        named = regions_named(where) or ([NATIONAL] if npc_match.group(2) else [])
        explicit += [(region, "work-report-line", npc_match.group()) for region in named[:1]]
    if work_report and (delegate := _DELEGATE.search(text[:2000])):
        named = regions_named(delegate.group()) or ([NATIONAL] if "国务院" in delegate.group() else [])
        explicit += [(region, "work-report-line", delegate.group()) for region in named[:1]]
    if explicit:
        region, method, evidence = explicit[0]
        if file_region and file_region != region:
            meta.warnings.append(f"文件名中的地区“{file_region}”与正文中的“{region}”不一致，采用正文")
            meta.review_notes.append(f"地区：文件名写作 {file_region}，正文写作 {region}，请核对")
        meta.record("region", region, method, evidence, 0.98)
        return
    if file_region:
        meta.record("region", file_region, "filename", "文件名", 0.9)
        return
    guess = infer_region(text)
    if not guess.region or guess.confidence < 0.5:
        note = "未能确定地区：文中没有写明，地名也不足以推断"
        meta.missing("region", note + (f"（{guess.evidence}）" if guess.evidence else ""))
        meta.extraction["region"]["evidence"] = guess.evidence
        return
    meta.record("region", guess.region, "gazetteer", guess.evidence, guess.confidence)
    meta.extraction["region"]["mentions"] = guess.mentions
    if guess.confidence < REVIEW_CONFIDENCE or guess.mentions < REVIEW_MIN_MENTIONS:
        meta.review_notes.append(
            f"地区“{guess.region}”由文中地名推断（置信度 {guess.confidence:.2f}，{guess.mentions} 处地名），请核对"
        )


_REVIEW_HEADING = re.compile(r"((?:19|20)\d{2})\s*年.{0,12}回顾")
_PLAN_HEADING = re.compile(
    r"((?:19|20)\d{2})\s*年.{0,8}(?:工作安排|主要任务|工作任务|工作重点|总体要求|主要预期目标|工作的总体要求)"
)


_FIVEYEAR_PLAN = re.compile(r"第(十[一二三四五]?|九)个五年(?:计划|规划)纲要(?:的报告|》已提交)")


def _year_from_report_body(body: str) -> list[tuple[int, str, str, float]]:
    """A work report that states no date: "一、2000年工作回顾" reviews the year before the report's, and
    "2001年工作的总体要求" plans the report's own year. (Measured on the 704 reports: the first rule held in
    416 of 416 reports, the second in 319 of 331.)"""
    found = []
    if match := _REVIEW_HEADING.search(body[:3000]):
        found.append((int(match[1]) + 1, "report-review-heading", match.group(), 0.9))
    if match := _PLAN_HEADING.search(body):
        found.append((int(match[1]), "report-plan-heading", match.group(), 0.8))
    if match := _FIVEYEAR_PLAN.search(body[:3000]):
        # The outline of the N-th five-year plan goes to the congress in its first year (十五: 2001).
        number = {"九": 9, "十": 10, "十一": 11, "十二": 12, "十三": 13, "十四": 14, "十五": 15}[match[1]]
        found.append((1966 + 5 * (number - 3), "report-five-year-plan", match.group(), 0.85))
    return found


def _extract_year(
    meta: Metadata, overrides: Overrides, npc_line: str, work_report: bool, file_year: int | None, body: str
) -> None:
    if overrides.year:
        if not 1949 <= overrides.year <= 2100:
            raise IngestError(f"年份 {overrides.year} 不合理")
        meta.record("year", overrides.year, "override", str(overrides.year), 1.0)
        return
    candidates: list[tuple[int, str, str, float]] = []
    if work_report and npc_line and (found := find_dates(npc_line)):
        candidates.append((found[0][0].year, "work-report-line", npc_line, 0.98))
    if title_years := YEAR.findall(meta.title):
        # "2016年工作总结和2017年工作安排": a plan is about the latest year it names.
        candidates.insert(0, (max(map(int, title_years)), "title", meta.title, 0.97))
    if meta.published_on:
        candidates.append((meta.published_on.year, "published-date", meta.published_on.isoformat(), 0.8))
    if file_year:
        candidates.append((file_year, "filename", "文件名", 0.9))
    if work_report and not candidates:
        candidates += _year_from_report_body(body)
    if not candidates:
        meta.missing("year", "未能确定年份：标题、日期和文件名中都没有年份")
        return
    year, method, evidence, confidence = candidates[0]
    if file_year and file_year != year and method != "filename":
        meta.warnings.append(f"文件名中的年份 {file_year} 与正文的 {year} 不一致，采用正文")
        meta.review_notes.append(f"年份：文件名写作 {file_year}，正文为 {year}，请核对")
    if method == "published-date" and not work_report:  # a report's date is the day it was delivered
        meta.review_notes.append(f"年份 {year} 取自发布日期，标题中没有年份，请核对")
    if method.startswith("report-"):
        meta.review_notes.append(f"年份 {year} 由正文推断（“{evidence}”），文中没有日期，请核对")
    meta.record("year", year, method, evidence, confidence)


def _extract_issuer(meta: Metadata, raw_head: list[str], labelled_issuer: str, work_report: bool) -> None:
    if labelled_issuer:
        meta.record("issuer", labelled_issuer, "info-table", f"发布机构 {labelled_issuer}", 0.99)
        return
    if work_report and meta.region:
        issuer = "国务院" if meta.region == NATIONAL else f"{full_region_name(meta.region)}人民政府"
        meta.record("issuer", issuer, "work-report", "政府工作报告由本级人民政府向人民代表大会报告", 0.95)
        return
    if match := _TITLE_ORG.match(meta.title):
        org = match["org"]
        if org[0] in "省市" and meta.region and meta.region != NATIONAL:
            # "市科委" is how a body names itself on its own site; the region says which city's.
            prefix = (
                full_region_name(meta.region) if (org[0] == "省" or meta.region in MUNICIPALITIES) else ""
            )
            if prefix:
                confidence = meta.extraction.get("region", {}).get("confidence", 0.5)
                meta.record(
                    "issuer", prefix + org[1:], "title+region", f"标题“{org}”，地区 {meta.region}", confidence
                )
                return
        meta.record("issuer", org, "title", meta.title, 0.9)
        return
    for line in raw_head:
        if find_dates(line) and (org := re.search(rf"[\u4e00-\u9fa5]{{2,20}}{_ORG_SUFFIX}\s*$", line)):
            meta.record("issuer", org.group().strip(), "byline", line, 0.85)
            return
    meta.extraction["issuer"] = {"value": None, "method": "none", "evidence": "", "confidence": 0.0}


def _extract_level(meta: Metadata, overrides: Overrides, text: str, work_report: bool) -> None:
    if overrides.level:
        meta.record("level", normalise_level(overrides.level), "override", overrides.level, 1.0)
        return
    issuer, region = meta.issuer, meta.region
    if region == NATIONAL or issuer.startswith(("国务院", "国家", "科技部", "科学技术部")):
        meta.record("level", "national", "issuer", issuer or region, 0.95)
        return
    if work_report and region:
        meta.record("level", "provincial", "work-report", "省级人民政府的工作报告", 0.95)
        return
    if region:
        full = full_region_name(region)
        if region in MUNICIPALITIES and (
            issuer.startswith((full, region, "市")) or "市委" in text[:2000] or "全市" in text[:3000]
        ):
            # A body of a 直辖市 is a provincial-level body: 天津市科委 ranks with 湖北省科技厅.
            meta.record(
                "level", "provincial", "municipality", f"{full}为直辖市，{issuer or '市级机构'}属省级", 0.9
            )
            return
        if issuer.startswith((full, region)) or issuer.startswith("省"):
            meta.record("level", "provincial", "issuer", issuer, 0.95)
            return
    title = meta.title
    if "全省" in title or title.startswith("省") or "全省" in text[:1500]:
        meta.record("level", "provincial", "text", "全省", 0.8)
        return
    city = city_named(issuer or title)
    if city:
        meta.record("level", "municipal", "issuer", issuer or title, 0.85)
        meta.record("city", city, "issuer", issuer or title, 0.85)
        return
    if region in MUNICIPALITIES and "全市" in text[:3000]:
        meta.record("level", "provincial", "municipality", f"{full_region_name(region)}为直辖市", 0.85)
        return
    if "全市" in text[:3000] and region:
        cities = infer_region(text).cities
        if cities:
            city, count = cities.most_common(1)[0]
            meta.record("level", "municipal", "text", "全市", 0.7)
            meta.record("city", city, "gazetteer", f"{city}×{count}", 0.6)
            meta.review_notes.append(f"城市“{city}”由文中地名推断，请核对")
            return
    meta.missing("level", "未能确定层级（国家级/省级/市级）：发布机构不明")
