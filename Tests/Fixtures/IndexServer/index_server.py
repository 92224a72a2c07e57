#!/usr/bin/env python3
"""A static file server for plugin index tests: serves one folder (an
index.json and the libraries it lists) on 127.0.0.1.

    python3 index_server.py --port 0 --folder DIR

Prints "LISTENING <port>" on its first line, then serves until its standard
input closes (the test that started it ends), so it never outlives a test.
Requests are not logged.
"""
import argparse
import functools
import http.server
import sys
import threading


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--folder", required=True)
    options = parser.parse_args()
    handler = functools.partial(QuietHandler, directory=options.folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", options.port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"LISTENING {server.server_address[1]}", flush=True)
    sys.stdin.read()  # until the test closes our standard input
    server.shutdown()


if __name__ == "__main__":
    main()
