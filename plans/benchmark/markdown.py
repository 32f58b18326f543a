"""The benchmark's JSON as Markdown tables, for docs/performance.md (`manage.py bench --markdown run.json`).

The tables carry the figures as measured; nothing is rounded away but the display precision.
"""

from __future__ import annotations


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _num(value, pattern="{:.2f}") -> str:
    return "—" if value is None else pattern.format(value)


def _row(cells) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _table(header: list[str], rows: list[list], right_from: int = 1) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(header))]
    return [_row(header), _row(align), *(_row(row) for row in rows)]


def indexing_table(record: dict) -> list[str]:
    """Ingest and index throughput of one size, with the yardsticks of the same run."""
    rows = []
    jieba = (record.get("jieba") or {}).get("mb_per_s")

    def add(label, entry, seconds_key="seconds"):
        if entry and entry.get("mb_per_s"):
            ratio = entry["mb_per_s"] / jieba if jieba else None
            rows.append(
                [label, _num(entry.get(seconds_key), "{:,.0f}"), _num(entry.get("plans_per_s")),
                 _num(entry["mb_per_s"], "{:.3f}"), _num(ratio)]
            )  # fmt: skip

    add(f"load ({(record.get('load') or {}).get('path', '?')})", record.get("load"))
    add("ingest pipeline until the index queue drained", record.get("pipeline"))
    single = record.get("index_single_process")
    add("our `rebuild_index()`, 1 process", single)
    index = record.get("index") or {}
    add(f"our `rebuild_index()`, {index.get('procs', '?')} processes", index)
    add("haystack recipe, `update_index`", record.get("haystack_index"))
    if jieba:
        rows.append(["jieba `cut` alone (yardstick)", "—", "—", _num(jieba, "{:.3f}"), "1.00"])
    return _table(["step", "seconds", "plans/s", "MB/s", "÷ jieba"], rows)


def search_table(record: dict) -> list[str]:
    """Latency and quality of every system of one size; ratio = its p95 ÷ our API's p95."""
    systems = record.get("systems", {})
    ours = systems.get("engine-api", {}).get("timing", {}).get("latency_ms", {}).get("p95")
    rows = []
    for name, entry in systems.items():
        if "error" in entry:
            rows.append([name, entry["error"], "", "", "", "", "", "", "", ""])
            continue
        lat = entry["timing"]["latency_ms"]
        quality = entry.get("quality") or {}
        recall = (
            f"{quality['mean_recall']:.3f} / {quality['min_recall']:.3f}"
            if quality.get("mean_recall") is not None
            else "—"
        )
        ratio = lat.get("p95") / ours if ours and lat.get("p95") else None
        rows.append(
            [name, _ms(lat.get("p50")), _ms(lat.get("p95")), _ms(lat.get("p99")), lat.get("n", 0), recall,
             _num(quality.get("mean_precision"), "{:.3f}"), _num(quality.get("mean_p_at_10")),
             entry["timing"]["error_count"], _num(ratio, "{:.1f}×")]
        )  # fmt: skip
    header = ["system", "p50 ms", "p95 ms", "p99 ms", "n", "recall (mean / min)", "precision", "P@10", "errors",
              "p95 ÷ engine-api p95"]  # fmt: skip
    return _table(header, rows)


def kinds_table(record: dict) -> list[str]:
    """p50 by kind of query, one column per system."""
    systems = {n: e for n, e in record.get("systems", {}).items() if "timing" in e}
    kinds: list[str] = []
    for entry in systems.values():
        for kind in entry["timing"].get("p50_by_kind_ms", {}):
            if kind not in kinds:
                kinds.append(kind)
    rows = [
        [kind, *(_ms(entry["timing"].get("p50_by_kind_ms", {}).get(kind)) for entry in systems.values())]
        for kind in kinds
    ]
    return _table(["kind", *systems], rows)


def other_figures(record: dict) -> list[str]:
    """Freshness, memory, load test, index size, notes."""
    lines = []
    fresh = record.get("freshness") or {}
    if fresh:
        lines.append(
            f"- a plan saved with `{fresh.get('path')}` is searchable after {_num(fresh.get('searchable_after_s'))} s"
        )
    gun = record.get("gunicorn") or {}
    if gun:
        lines.append(f"- a warmed gunicorn worker: {_num(gun.get('worker_rss_mb'), '{:.0f}')} MB RSS")
    load = record.get("loadtest") or {}
    if load:
        lat = load.get("latency_ms", {})
        lines.append(
            f"- load test, {load.get('clients')} clients, 2 workers, results page: {_num(load.get('requests_per_s'), '{:.1f}')}"
            f" requests/s, p50 {_ms(lat.get('p50'))} ms, p95 {_ms(lat.get('p95'))} ms,"
            f" {load.get('error_count')} errors in {load.get('requests')}"
        )
    index = record.get("index") or {}
    if index.get("index_bytes"):
        dump = (record.get("dump") or {}).get("bytes")
        times = f" ({index['index_bytes'] / dump:.1f} × the text)" if dump else ""
        lines.append(f"- our index on disk: {index['index_bytes'] / 1e6:,.0f} MB{times}")
    if record.get("analysis"):
        from plans.benchmark.analysis import format_analysis

        lines += ["", "Trends and keyword in context (pages through Django's test client):", ""]
        lines += format_analysis(record["analysis"]) + [""]
    for note in record.get("notes", []):
        lines.append(f"- note: {note}")
    for key, error in (record.get("errors") or {}).items():
        lines.append(f"- error in {key}: {str(error)[:200]}")
    return lines


def engines_table(record: dict) -> list[str]:
    """The engines of one size side by side (bench --engines): what a collection of this size costs on each."""
    engines = record.get("engines") or {}
    if len(engines) < 2:
        return []
    text_mb = ((record.get("dump") or {}).get("bytes") or 0) / 1e6
    load = record.get("load") or {}
    rows = []
    for name, figures in engines.items():
        index = figures.get("index") or {}
        systems = figures.get("systems") or {}
        api, first, page = (systems.get(k) or {} for k in ("api", "api-uncached", "page"))
        rows.append(
            [
                f"{name}{' (loaded with)' if name == record.get('engine') else ''}",
                _num(index.get("mb_per_s")),
                f"{index.get('seconds', 0):,.0f} s, {index.get('procs', '—')} proc.",
                _num(index["index_bytes"] / 1e6 / text_mb, "{:.2f}")
                if index.get("index_bytes") and text_mb
                else "—",
                f"{_ms(first.get('p50'))} / {_ms(first.get('p95'))}",
                f"{_ms(api.get('p50'))} / {_ms(api.get('p95'))}",
                _ms(page.get("p95")),
                _num((figures.get("freshness") or {}).get("searchable_after_s")),
                _num((figures.get("gunicorn") or {}).get("worker_rss_mb"), "{:.0f}"),
            ]
        )
    header = ["engine", "rebuild MB/s", "rebuild", "index ÷ text", "first-time JSON p50 / p95 ms",
              "repeated JSON p50 / p95 ms", "page p95 ms", "saved plan searchable after s",
              "warmed worker MB"]  # fmt: skip
    lines = _table(header, rows)
    if load.get("mb_per_s"):
        lines += ["", f"Ingest ({load.get('path')}, with {record.get('engine')}'s index queue running): "
                      f"{_num(load.get('mb_per_s'))} MB/s."]  # fmt: skip
    return lines


def syntax_table(record: dict) -> list[str]:
    """The search syntax (issue 13): for each engine, each form's p50 / p95 and its p95 over plain AND's,
    repeated (`…-api`) and first-time (`…-api-uncached`), with recall and precision against the expression truth."""
    syntax = record.get("syntax")
    if not syntax:
        return []
    systems = syntax.get("systems", {})
    qualities = {record.get("engine") or "engine": syntax.get("quality", {})}
    qualities.update(syntax.get("quality_by_engine", {}))
    out = [
        f"Search syntax over {len(syntax.get('pairs', []))} term pairs (ms), against the expression truth: "
        + "; ".join(
            f"{engine} recall {_num(q.get('mean_recall'), '{:.3f}')} (min {_num(q.get('min_recall'), '{:.3f}')}),"
            f" precision {_num(q.get('mean_precision'), '{:.3f}')}"
            for engine, q in qualities.items()
        )
        + ".",
        "",
    ]
    repeated_names = [name for name in systems if not name.endswith("-uncached")]
    for name in repeated_names:
        pair = [
            (label, systems.get(key))
            for label, key in (("repeated", name), ("first-time", f"{name}-uncached"))
        ]
        pair = [(label, entry) for label, entry in pair if entry]
        kinds = list(pair[0][1].get("timing", {}).get("p95_by_kind_ms", {}))
        header = [f"{name}: form"]
        for label, _entry in pair:
            header += [f"{label} p50", f"{label} p95", f"{label} p95 ÷ AND p95"]
        rows = []
        for kind in kinds:
            row = [kind]
            for _label, entry in pair:
                timing = entry["timing"]
                row += [
                    _ms(timing.get("p50_by_kind_ms", {}).get(kind)),
                    _ms(timing.get("p95_by_kind_ms", {}).get(kind)),
                    _num(entry.get("p95_over_and_p95", {}).get(kind)),
                ]
            rows.append(row)
        out += [*_table(header, rows), ""]
    return out


def relations_table(record: dict) -> list[str]:
    """The relations (issue 16): the plan page with them, its parts, one plan ingested, the full rebuild."""
    relations = record.get("relations")
    if not relations:
        return []
    rows = []
    for key, label in (
        ("plan_page_first_ms", "plan page with its relations, first visit"),
        ("plan_page_repeated_ms", "plan page, repeated"),
        ("plan_json_ms", "plan JSON (`cites`, `cited_by`), first"),
        ("plan_json_repeated_ms", "plan JSON, repeated"),
        ("relation_part_ms", "its relation part alone (previous year, cites, cited_by, reuse marks)"),
        ("related_part_ms", "its related plans alone (search engine, first asking)"),
    ):
        stats = relations.get(key)
        if stats:
            rows.append([label, _ms(stats.get("p50")), _ms(stats.get("p95")), stats.get("n")])
    for key, label in (
        ("ingest_one_plan_s", "ingest of one new plan with its relations (s)"),
        ("relations_of_one_plan_s", "its relations alone (s)"),
    ):
        stats = relations.get(key)
        if stats:
            rows.append([label, _num(stats.get("p50")), f"max {_num(stats.get('max'))}", stats.get("n")])
    rebuild = relations.get("rebuild") or {}
    lines = _table(["relations", "p50 (ms)", "p95 (ms)", "n"], rows)
    if rebuild:
        lines += [
            "",
            f"Full rebuild (`rebuild_relations`): {_num(rebuild.get('seconds'), '{:,.1f}')} s for"
            f" {rebuild.get('plans')} plans ({rebuild.get('passages')} passages in {rebuild.get('groups')} groups,"
            f" {rebuild.get('documents')} cited documents, {rebuild.get('citations')} citations), peak"
            f" {_num(rebuild.get('max_rss_mb'), '{:,.0f}')} MB RSS.",
        ]
    return lines


def markdown_report(report: dict) -> str:
    """Every size of a benchmark report as Markdown."""
    machine = report.get("machine", {})
    out = [
        f"Machine: {machine.get('nproc')} cores ({machine.get('cpu')}), {machine.get('memory_gb')} GB,"
        f" Python {machine.get('python')}; run started {report.get('date')}.",
    ]
    for record in report.get("sizes", []):
        dump = record.get("dump") or {}
        start, end = record.get("load_average_at_start"), record.get("load_average_at_end")
        out += [
            "",
            f"#### {record['size']:,} plans ({record.get('corpus')}, {_num((dump.get('bytes') or 0) / 1e6, '{:.1f}')} MB"
            f" of text), our engine on {record.get('engine_db')}",
            "",
            f"Load average {start[0]:.1f} at start, {end[0]:.1f} at end; {record.get('wall_s', 0) / 60:.0f} min."
            if start and end
            else "",
            "",
            *indexing_table(record),
            "",
            *engines_table(record),
            "",
            *search_table(record),
            "",
            "p50 by kind of query (ms):",
            "",
            *kinds_table(record),
            "",
            *syntax_table(record),
            *relations_table(record),
            "",
            *other_figures(record),
        ]
    return "\n".join(out) + "\n"
