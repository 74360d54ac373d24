#!/usr/bin/env python3
"""An OpenAI-compatible chat-completions server for kb's LLM-generator tests, with failure modes.

POST /<scenario>/v1/chat/completions. Scenarios (per-scenario request counters):
  ok          200 with a relu kernel in a ```c block and usage
  ratelimit   first request 429 with Retry-After: 1, then ok
  flaky       first request 500, then ok
  slow        first request sleeps 4 s (longer than the client's timeout), then ok
  truncated   first request returns cut-off JSON, then ok
  nocode      200 whose reply has no code block
  badrequest  400 (not retried)
GET /count/<scenario> returns how many requests that scenario received; GET /auth/<scenario> the last
Authorization header. Prints the port, exits by itself after argv[1] seconds.
"""
import http.server, json, socketserver, sys, threading, time

KERNEL = "void relu(const float *x, float *y, long n)\n{\n    for (long i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;\n}\n"
COUNTS = {}
AUTH = {}
LOCK = threading.Lock()


def reply(content):
    return json.dumps({"id": "x", "object": "chat.completion", "model": "test",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 123, "completion_tokens": 45, "total_tokens": 168}}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body, headers=()):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except Exception:
            pass

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "count":
            self.send(200, str(COUNTS.get(parts[1], 0)).encode())
        elif len(parts) == 2 and parts[0] == "auth":
            self.send(200, AUTH.get(parts[1], "").encode())
        else:
            self.send(404, b"{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        scenario = self.path.strip("/").split("/")[0]
        with LOCK:
            n = COUNTS.get(scenario, 0) + 1
            COUNTS[scenario] = n
            AUTH[scenario] = self.headers.get("Authorization", "")
        if not self.path.endswith("/v1/chat/completions") or "messages" not in body:
            return self.send(404, b'{"error": "unknown route"}')
        good = reply("Here is the kernel:\n```c\n" + KERNEL + "```\n")
        if scenario == "ratelimit" and n == 1:
            return self.send(429, b'{"error": "slow down"}', [("Retry-After", "1")])
        if scenario == "flaky" and n == 1:
            return self.send(500, b'{"error": "boom"}')
        if scenario == "slow" and n == 1:
            time.sleep(4)
        if scenario == "truncated" and n == 1:
            return self.send(200, good[: len(good) // 2])
        if scenario == "nocode":
            return self.send(200, reply("I cannot help with that."))
        if scenario == "badrequest":
            return self.send(400, b'{"error": "bad model"}')
        self.send(200, good)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Timer(float(sys.argv[1]) if len(sys.argv) > 1 else 60, server.shutdown).start()
    server.serve_forever()
