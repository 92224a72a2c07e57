#!/usr/bin/env python3
"""The REST benchmark's API: bench/generate.py's records served as JSON pages.

    bench/rest/server.py RECORDS PAGE_SIZE

Binds 127.0.0.1 on a free port, prints ``LISTENING <port>`` and serves until its stdin
closes. ``GET /records?page=N`` (default 1) answers ``{"data": [...], "next": URL}`` with
PAGE_SIZE records; ``next`` is null on the last page. Every page is rendered once at start,
so that serving is a lookup and a write: the rate a client can drain the pages at is the
server's, not its JSON encoder's.
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from generate import row  # noqa: E402

PAGES = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        page = int(parse_qs(parts.query).get("page", ["1"])[0])
        if parts.path != "/records" or not 1 <= page <= len(PAGES):
            payload, status = b'{"error": "no such page"}', 404
        else:
            payload, status = PAGES[page - 1], 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    records, page_size = int(sys.argv[1]), int(sys.argv[2])
    count = (records + page_size - 1) // page_size
    for index in range(count):
        first = index * page_size + 1
        data = [row(i) for i in range(first, min(first + page_size, records + 1))]
        following = f"/records?page={index + 2}" if index + 1 < count else None
        PAGES.append(json.dumps({"data": data, "next": following}, separators=(",", ":")).encode())
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    sys.stdout.write("LISTENING %d\n" % server.server_address[1])
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
