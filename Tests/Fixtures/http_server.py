#!/usr/bin/env python3
"""A small HTTP server for kb's URL-ingest tests. Listens on 127.0.0.1 (port 0 = any free port), prints the port,
and serves fixed routes including failure modes. Exits by itself after --lifetime seconds."""
import http.server, socketserver, sys, threading, time

ROUTES = {
    "/doc.md": (200, "text/markdown", b"# Remote doc\n\n## Tiling over HTTP\n\nRemote blocking notes about l2 tiles.\n"),
    "/page": (200, "text/html; charset=utf-8", b"<html><head><title>Remote page</title><script>x()</script></head><body><h1>Remote page</h1><p>Bandwidth roofline notes.</p></body></html>"),
    "/missing": (404, "text/plain", b"not found"),
    "/error": (500, "text/plain", b"boom"),
    "/binary.md": (200, "text/markdown", b"\x7fELF\x00\x00"),
    "/blob.bin": (200, "application/octet-stream", b"\x00\x01"),
}

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/slow":
            time.sleep(5)
        if self.path == "/loop":
            self.send_response(302); self.send_header("Location", "/loop"); self.end_headers(); return
        if self.path == "/big.md":
            body = b"# Big\n\n" + b"x" * (3 << 20)
            self.send_response(200); self.send_header("Content-Type", "text/markdown")
            self.send_header("Content-Length", str(len(body))); self.end_headers()
            try:
                self.wfile.write(body)
            except Exception:
                pass
            return
        if self.path == "/stream.md":
            # No Content-Length: the body ends when the connection closes (HTTP/1.0), so only counting the bytes
            # as they arrive can stop it.
            self.send_response(200); self.send_header("Content-Type", "text/markdown"); self.end_headers()
            try:
                self.wfile.write(b"# Stream\n\n")
                for _ in range(48):
                    self.wfile.write(b"y" * 65536)
            except Exception:
                pass
            return
        status, ctype, body = ROUTES.get(self.path, (404, "text/plain", b"no route"))
        self.send_response(status); self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

lifetime = float(sys.argv[1]) if len(sys.argv) > 1 else 60
server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Timer(lifetime, server.shutdown).start()
server.serve_forever()
