#!/usr/bin/env python3
"""Seeds a state folder with N pipeline run records (runs/<id>/pipeline.json + log.jsonl),
as `etl-host run` writes them: 4 pipelines, every 7th run failed, every 3rd scheduled,
one run a minute back from 2026-12-01. Usage: seed_runs.py STATE_FOLDER N"""
import datetime
import json
import os
import sys

state, count = sys.argv[1], int(sys.argv[2])
runs = os.path.join(state, "runs")
os.makedirs(runs, exist_ok=True)
start = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
pipelines = ["shop", "crm", "billing", "events"]
for number in range(count):
    when = start - datetime.timedelta(minutes=count - number)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    run_id = when.strftime("%Y%m%dT%H%M%S000Z") + "-%08x" % number
    failed = number % 7 == 0
    steps = [
        {"name": "load", "kind": "sync", "state": "succeeded", "attempts": 1, "rows": 100 + number % 50,
         "started_at": stamp, "finished_at": stamp, "seconds": 1.5, "sync_runs": []},
        {"name": "check_orders", "kind": "check", "state": "failed" if failed else "succeeded", "attempts": 1,
         "started_at": stamp, "finished_at": stamp, "seconds": 0.2, "sync_runs": [],
         **({"error": "1 assertion failed: not_null(orders.id): 3 rows", "exit_code": 3} if failed else {})},
    ]
    record = {"id": run_id, "kind": "pipeline", "pipeline": pipelines[number % 4], "file": "etl.yaml",
              "file_sha256": "0" * 64, "status": "failed" if failed else "succeeded", "started_at": stamp,
              "finished_at": stamp, "duration_seconds": 1.7, "pid": 1,
              "trigger": "schedule" if number % 3 == 0 else "cli", "full_refresh": [], "parallel": 1, "steps": steps}
    folder = os.path.join(runs, run_id)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "pipeline.json"), "w") as handle:
        json.dump(record, handle)
    with open(os.path.join(folder, "log.jsonl"), "w") as handle:
        handle.write(json.dumps({"time": stamp, "level": "info", "run_id": run_id, "message": "run started"}) + "\n")
        if failed:
            handle.write(json.dumps({"time": stamp, "level": "error", "run_id": run_id, "message": "check failed"}) + "\n")
print(f"seeded {count} runs into {runs}")
