#!/usr/bin/env python3
"""Writes N benchmark rows as CSV and as JSON Lines (the same rows).

Mixed types: integers, reals, booleans, dates, timestamps, text that needs
CSV quoting, a nested JSON array, and a key missing from a quarter of the
records (an empty field in the CSV).

    bench/generate.py ROWS OUT_DIR   -> OUT_DIR/rows.csv, OUT_DIR/rows.jsonl
"""
import json
import sys


def row(i):
    day = 19000 + i % 1500
    year, rest = 2022 + (day - 19000) // 366, (day - 19000) % 366
    date = f"{year}-{1 + rest // 31 % 12:02d}-{1 + rest % 28:02d}"
    record = {
        "id": i,
        "name": f"Customer {i}",
        "amount": round((i * 37) % 100000 / 100, 2),
        "quantity": i % 17,
        "paid": i % 3 == 0,
        "created": date,
        "updated_at": f"{date}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}Z",
        "tags": ["a", "b"] if i % 2 else ["c"],
    }
    if i % 4:
        record["note"] = f"note {i}, with a comma" if i % 8 == 1 else f"note {i}"
    return record


def csv_field(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = json.dumps(value, separators=(",", ":"))
    text = str(value)
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def main():
    rows, out = int(sys.argv[1]), sys.argv[2]
    columns = ["id", "name", "amount", "quantity", "paid", "created", "updated_at", "tags", "note"]
    with open(f"{out}/rows.csv", "w", newline="") as csv_file, open(f"{out}/rows.jsonl", "w") as jsonl_file:
        csv_file.write(",".join(columns) + "\n")
        for i in range(rows):
            record = row(i)
            csv_file.write(",".join(csv_field(record.get(c)) for c in columns) + "\n")
            jsonl_file.write(json.dumps(record, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
