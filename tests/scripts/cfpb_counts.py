#!/usr/bin/env python3
"""Counts a CFPB complaints export by channel, product and timely response, independently of
Redress: what analytics must show after the file is imported.

usage: cfpb_counts.py FILE MAPPING_JSON REFUSED_ROWS
  MAPPING_JSON  {"channel_values": {...}, "product_values": {...}, "timely_values": [...]}
  REFUSED_ROWS  comma-separated 1-based data-row numbers the import refused (may be empty)
Prints {"rows": n, "by_channel": {...}, "by_product": {...}, "timely": {"yes": n, "no": n}}.
"""
import collections
import csv
import json
import sys


def main() -> None:
    path, mapping, refused = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    skip = {int(n) for n in refused.split(",") if n}
    by_channel = collections.Counter()
    by_product = collections.Counter()
    timely = collections.Counter()
    rows = 0
    with open(path, newline="", encoding="utf-8-sig") as f:
        for n, row in enumerate(csv.DictReader(f), start=1):
            if n in skip:
                continue
            rows += 1
            by_channel[mapping["channel_values"][row["Submitted_via"]]] += 1
            by_product[mapping["product_values"][row["Product"]]] += 1
            flag = row["Timely_response?"]
            if flag:
                timely["yes" if flag in mapping["timely_values"] else "no"] += 1
    print(json.dumps({"rows": rows, "by_channel": by_channel, "by_product": by_product,
                      "timely": {"yes": timely["yes"], "no": timely["no"]}}, sort_keys=True))


if __name__ == "__main__":
    main()
