#!/usr/bin/env python3
"""A scripted JSON HTTP API for the `rest` extractor's tests.

It binds 127.0.0.1, prints exactly one line ``LISTENING <port>`` on stdout and serves until it
is killed, its stdin (a pipe) reaches end of file, or its parent exits (the Airtable test
server's ``exit_with_parent``, imported from ../AirtableServer).

The routes come from a JSON file (``--routes FILE``)::

    {"routes": [
      {"method": "GET", "path": "/items", "query": {"page": "2"},
       "require": {"Authorization": "Bearer good"},       # headers that must match, else 401
       "require_query": {"api_key": "k"},                  # query parameters that must match, else 401
       "responses": [                                      # served in order; the last one repeats
         {"status": 429, "headers": {"Retry-After": "1"}},
         {"status": 200, "headers": {"Link": "<{base}/items?page=3>; rel=\\"next\\""},
          "json": [{"id": 1}]},
         {"status": 200, "raw": "{\\"items\\": [1,"}         # a body sent as is
       ]}
    ]}

A request matches the route of its method and path whose ``query`` (and, for a POST, ``body``:
members that must be equal) all match, the most specific first. ``{base}`` in header values and
bodies is replaced by ``http://127.0.0.1:<port>``. Unmatched requests get 404.

``GET /_control/log`` answers every request so far: method, path, query (a dict of lists),
headers (lowercased names), body (parsed JSON or null), form (a form-encoded body as a dict of
lists, or null) and the monotonic time it arrived.

An OAuth2 token endpoint and routes that want its tokens: see oauth_tokens.py.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "AirtableServer"))
from airtable_server import exit_with_parent  # noqa: E402
import oauth_tokens  # noqa: E402  (the token endpoint: routes with "oauth_token", "require_oauth")

LOCK = threading.Lock()
ROUTES = []
SERVED = {}
LOG = []
BASE = ""


def matches(route, method, path, query, body):
    if route.get("method", "GET").upper() != method or route["path"] != path:
        return False
    for name, value in route.get("query", {}).items():
        if query.get(name, [None])[0] != str(value):
            return False
    for name, value in route.get("body", {}).items():
        if not isinstance(body, dict) or body.get(name) != value:
            return False
    return True


def specificity(route):
    return len(route.get("query", {})) + len(route.get("body", {}))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.handle_request("GET")

    def do_POST(self):
        self.handle_request("POST")

    def handle_request(self, method):
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = None
        if parts.path == "/_control/log":
            with LOCK:
                self.send(200, {"Content-Type": "application/json"}, json.dumps({"requests": LOG}).encode())
            return
        with LOCK:
            form = None
            if (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                form = parse_qs(raw_body.decode(), keep_blank_values=True)
            LOG.append({"method": method, "path": parts.path, "query": query, "body": body, "form": form,
                        "headers": {k.lower(): v for k, v in self.headers.items()}, "time": time.monotonic()})
            candidates = [(i, r) for i, r in enumerate(ROUTES) if matches(r, method, parts.path, query, body)]
            if not candidates:
                self.send(404, {"Content-Type": "application/json"}, b'{"error": "no such route"}')
                return
            index, route = max(candidates, key=lambda pair: specificity(pair[1]))
            if "oauth_token" in route:
                status, answer = oauth_tokens.issue(route["oauth_token"], self.headers, raw_body)
                self.send(status, {"Content-Type": "application/json", "Cache-Control": "no-store"},
                          json.dumps(answer).encode())
                return
            if route.get("require_oauth") and not oauth_tokens.accept(self.headers.get("Authorization")):
                self.send(401, {"Content-Type": "application/json", "WWW-Authenticate": 'Bearer error="invalid_token"'},
                          b'{"error": "invalid_token"}')
                return
            for name, value in route.get("require", {}).items():
                if self.headers.get(name) != value:
                    self.send(401, {"Content-Type": "application/json"}, b'{"error": "unauthorized"}')
                    return
            for name, value in route.get("require_query", {}).items():
                if query.get(name, [None])[0] != value:
                    self.send(401, {"Content-Type": "application/json"}, b'{"error": "unauthorized"}')
                    return
            responses = route["responses"]
            served = SERVED.get(index, 0)
            SERVED[index] = served + 1
            response = responses[min(served, len(responses) - 1)]
        headers = {name: value.replace("{base}", BASE) for name, value in response.get("headers", {}).items()}
        if "raw" in response:
            payload = response["raw"].replace("{base}", BASE).encode()
        elif "json" in response:
            payload = json.dumps(response["json"]).replace("{base}", BASE).encode()
        else:
            payload = json.dumps({"error": "status %d" % response["status"]}).encode()
        headers.setdefault("Content-Type", "application/json")
        self.send(response.get("status", 200), headers, payload)

    def send(self, status, headers, payload):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    global BASE
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser(description="scripted JSON HTTP API for tests")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--routes", required=True, help="a JSON file of routes")
    options = parser.parse_args()
    with open(options.routes, encoding="utf-8") as file:
        ROUTES.extend(json.load(file)["routes"])
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    BASE = "http://127.0.0.1:%d" % server.server_address[1]
    exit_with_parent()
    sys.stdout.write("LISTENING %d\n" % server.server_address[1])
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
