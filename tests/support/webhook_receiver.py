#!/usr/bin/python3
"""A webhook receiver for tests (Python's http.server).

Listens on 127.0.0.1:PORT (0: a free port), prints the port on stdout once
it accepts connections, and runs until killed. Each POST is appended to
--out as one JSON line {"path", "content_type", "authorization", "body"}
(body as received, a string) and flushed before the answer, so a client
that got its answer can read the line at once. The first --fail N requests
are answered 500 (recorded too, with "answered": 500).

    webhook_receiver.py --out FILE [--port N] [--fail N]
"""
import argparse
import json
from http.server import BaseHTTPRequestHandler, HTTPServer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--fail", type=int, default=0)
    a = p.parse_args()
    seen = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n).decode("utf-8")
            seen[0] += 1
            code = 500 if seen[0] <= a.fail else 204
            with open(a.out, "a", encoding="utf-8") as f:
                f.write(json.dumps({
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type", ""),
                    "authorization": self.headers.get("Authorization", ""),
                    "body": body,
                    "answered": code,
                }) + "\n")
            if code == 500:
                msg = b"receiver failing on purpose"
                self.send_response(500)
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)
            else:
                self.send_response(204)
                self.end_headers()

        def log_message(self, *args):
            pass

    HTTPServer.allow_reuse_address = True
    server = HTTPServer(("127.0.0.1", a.port), Handler)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
