"""Citations of plans for reference managers (Zotero, EndNote, NoteExpress) and for a bibliography.

One `CitationFields` per plan (issuing body as author, title, document number, place, date, URL, access date) is
the single source; each format only writes those fields its own way:

- GB/T 7714-2015, the Chinese national standard for references: an electronic government document,
  `主要责任者. 题名: 文号[EB/OL]. 出版地: 出版者, 出版年(发布日期)[引用日期]. 获取和访问路径.`
- BibTeX: a biblatex `@report` (institution = the issuing body, number = the document number), which Zotero and
  JabRef import as a report.
- RIS: `TY  - RPRT` with the tags EndNote and Zotero read for a report (SN the report number, Y2 the access date),
  lines ending CRLF as the format asks.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone

from plans.models import Plan

AbsoluteUrl = Callable[[str], str]

# Export formats of a set of plans: format name -> (content type, file extension).
EXPORT_FORMATS = {
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
}


@dataclass(frozen=True)
class CitationFields:
    """What a citation says about a plan."""

    key: str  # a stable citation key, e.g. plan12
    author: str  # the issuing body (an organisation, never split into given and family names)
    title: str
    doc_number: str
    place: str  # the city for a municipal plan, else the region's full name
    year: int | None
    date: datetime.date | None
    url: str
    accessed: datetime.date


def citation_fields(plan: Plan, absolute: AbsoluteUrl, accessed: datetime.date) -> CitationFields:
    """The citation fields of a plan; `absolute` turns the plan's path into its public URL."""
    region = plan.region.full_name if plan.region_id else ""
    return CitationFields(
        key=f"plan{plan.pk}",
        author=_one_line(plan.issuer),
        title=_one_line(plan.title),
        doc_number=_one_line(plan.doc_number),
        place=_one_line(plan.city or region),
        year=plan.year or (plan.published_on.year if plan.published_on else None),
        date=plan.published_on,
        url=absolute(plan.get_absolute_url()),
        accessed=accessed,
    )


def _one_line(value: str) -> str:
    return " ".join((value or "").split())


# --- GB/T 7714-2015 ------------------------------------------------------------------------------------------


def gbt7714(fields: CitationFields) -> str:
    """One reference in GB/T 7714-2015 form (an online government document, type mark [EB/OL])."""
    parts = []
    if fields.author:
        parts.append(f"{fields.author}. ")
    parts.append(fields.title)
    if fields.doc_number:
        parts.append(f": {fields.doc_number}")
    parts.append("[EB/OL]. ")
    publication = []
    if fields.place:
        publication.append(fields.place)
    if fields.author:
        publication.append(f": {fields.author}" if fields.place else fields.author)
    when = str(fields.year) if fields.year else ""
    if fields.date:
        when += f"({fields.date.isoformat()})"
    if publication:
        parts.append("".join(publication) + (", " if when else ""))
    parts.append(f"{when}[{fields.accessed.isoformat()}]. {fields.url}.")
    return "".join(parts)


# --- BibTeX --------------------------------------------------------------------------------------------------

_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")
_BIBTEX_REPLACEMENT = {
    "\\": r"\textbackslash{}",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}


def bibtex_escape(value: str) -> str:
    """Text safe inside a BibTeX field: braces balanced, LaTeX's special characters escaped."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_REPLACEMENT.get(m.group(1), "\\" + m.group(1)), value)


def bibtex(fields: CitationFields) -> str:
    """One biblatex @report entry. The author is braced twice so it stays one organisation name."""
    entries = []
    if fields.author:
        entries.append(("author", "{" + bibtex_escape(fields.author) + "}"))
        entries.append(("institution", bibtex_escape(fields.author)))
    entries.append(("title", "{" + bibtex_escape(fields.title) + "}"))
    if fields.doc_number:
        entries.append(("number", bibtex_escape(fields.doc_number)))
    if fields.place:
        entries.append(("location", bibtex_escape(fields.place)))
        entries.append(("address", bibtex_escape(fields.place)))
    if fields.year:
        entries.append(("year", str(fields.year)))
    if fields.date:
        entries.append(("date", fields.date.isoformat()))
    entries.append(("url", fields.url))  # URLs are verbatim in biblatex
    entries.append(("urldate", fields.accessed.isoformat()))
    entries.append(("langid", "chinese"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in entries)
    return f"@report{{{fields.key},\n{body}\n}}\n"


# --- RIS -----------------------------------------------------------------------------------------------------


def ris(fields: CitationFields) -> str:
    """One RIS record (a report), CRLF line ends, ending with ER."""
    tags = [("TY", "RPRT")]
    if fields.author:
        tags += [("AU", fields.author), ("PB", fields.author)]
    tags.append(("TI", fields.title))
    if fields.doc_number:
        tags.append(("SN", fields.doc_number))
    if fields.place:
        tags.append(("CY", fields.place))
    if fields.year:
        tags.append(("PY", str(fields.year)))
    if fields.date:
        tags.append(("DA", fields.date.strftime("%Y/%m/%d")))
    tags += [
        ("UR", fields.url),
        ("Y2", fields.accessed.strftime("%Y/%m/%d")),
        ("LA", "zh"),
        ("ID", fields.key),
    ]
    lines = [f"{tag}  - {value}" for tag, value in tags] + ["ER  - ", ""]
    return "\r\n".join(lines) + "\r\n"


WRITERS: dict[str, Callable[[CitationFields], str]] = {"ris": ris, "bibtex": bibtex, "gbt7714": gbt7714}


def export_lines(
    fmt: str, plans: Iterable[Plan], absolute: AbsoluteUrl, accessed: datetime.date | None = None
) -> Iterator[str]:
    """Every plan as one record of `fmt` (ris, bibtex or gbt7714), streamed one record at a time."""
    write = WRITERS[fmt]
    accessed = accessed or timezone.localdate()
    if fmt == "ris":
        yield "\ufeff"  # EndNote and NoteExpress read UTF-8 RIS reliably only with a byte-order mark
    for number, plan in enumerate(plans, start=1):
        record = write(citation_fields(plan, absolute, accessed))
        if fmt == "gbt7714":
            record = f"[{number}] {record}\n"
        elif fmt == "bibtex":
            record += "\n"
        yield record
