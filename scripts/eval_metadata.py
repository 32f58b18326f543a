#!/usr/bin/env python
"""Evaluate metadata extraction against a labelled corpus (not a test: the corpus is not ours to ship).

Usage: .venv/bin/python scripts/eval_metadata.py /work/shared/corpus/gwr [--show-errors]

Reads MANIFEST.tsv (file, region, year, ...), runs decode -> clean -> metadata on every file twice: once with its
real file name, once with a neutral name ("document.txt") so only the text can speak. Prints region and year
accuracy for both runs, and the share of plans flagged for review.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from plans.ingest.pipeline import read_document  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder with MANIFEST.tsv and the files it lists")
    parser.add_argument("--show-errors", action="store_true", help="print every wrong region or year")
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (0 = all)")
    args = parser.parse_args()

    with open(args.corpus / "MANIFEST.tsv", encoding="utf-8") as manifest:
        rows = list(csv.DictReader(manifest, delimiter="\t"))
    if args.limit:
        rows = rows[: args.limit]
    for label, use_name in (("with file names", True), ("from the text alone", False)):
        region_ok = year_ok = review = 0
        for row in rows:
            path = args.corpus / row["file"]
            name = path.name if use_name else "document.txt"
            document = read_document(path.read_bytes(), name)
            meta = document.metadata
            expected_region = "全国" if row["region"] == "国务院" else row["region"]
            region_right = meta.region != "" and expected_region.startswith(meta.region)
            year_right = meta.year == int(row["year"])
            region_ok += region_right
            year_ok += year_right
            review += bool(meta.review_notes)
            if args.show_errors and not (region_right and year_right):
                print(
                    f"  {row['file']}: region {meta.region or '-'} (want {expected_region}, "
                    f"{meta.extraction.get('region', {}).get('method')}), year {meta.year} (want {row['year']})"
                )
        total = len(rows)
        print(
            f"{label:>20}: region {region_ok}/{total} = {100 * region_ok / total:.1f} %, "
            f"year {year_ok}/{total} = {100 * year_ok / total:.1f} %, flagged for review {review}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
