"""A scripted OpenAI-compatible server for the tests: real HTTP on loopback, in a thread,
serving GET /v1/models and POST /v1/chat/completions (with usage tokens) for models of known
quality, chosen by the request's model name:

- "strong": the reference suite of the problem named in the prompt (a good suite);
- "weak": that problem's examples-only suite;
- "garbage": prose, not code;
- "slow": sleeps `slow_seconds`, then answers as "strong";
- "leaky": echoes the whole prompt back (hidden code or injected instructions in it leak);
- "planner" (not listed by /v1/models): answers `plan_answer`, whatever it is asked (an
  evaluation plan as JSON, say); the others answer a planner's prompt with no plan.

A problem is recognised by its `marker` (a slug or a signature, say) appearing in the prompt.
With `api_key` set, a request without that bearer token is answered 401. Every request is
kept in `requests` (path, headers, JSON body) for the tests to inspect."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODELS = ("strong", "weak", "garbage", "slow", "leaky")
# Served but not listed by GET /v1/models, which the chat client's tests read as it is.
PLANNER = "planner"
GARBAGE = "Great question! Testing matters a lot. I hope this helps, and have a nice day."
UNKNOWN_PROBLEM = "I do not recognise the problem in this prompt."


@dataclass(frozen=True)
class KnownProblem:
    marker: str
    reference: str
    examples: str


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class ScriptedServer:
    problems: list[KnownProblem] = field(default_factory=list)
    api_key: str | None = None
    slow_seconds: float = 3.0
    plan_answer: str = "{}"
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True  # a sleeping "slow" answer does not hold up stop()
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def answer(self, model: str, prompt: str) -> str:
        """What `model` says to `prompt`."""
        if model == "garbage":
            return GARBAGE
        if model == "leaky":
            return prompt
        if model == PLANNER:
            return self.plan_answer
        if model == "slow":
            time.sleep(self.slow_seconds)
        problem = next((p for p in self.problems if p.marker in prompt), None)
        if problem is None:
            return UNKNOWN_PROBLEM
        suite = problem.examples if model == "weak" else problem.reference
        return f"Here is the suite:\n\n```python\n{suite}```\n"


def completion(model: str, text: str, prompt: str, max_tokens: int | None) -> dict[str, Any]:
    """A chat completion as OpenAI's API shapes it; a token is a word here, and an answer
    longer than `max_tokens` of them is cut there (finish_reason "length")."""
    words = text.split(" ")
    cut = max_tokens is not None and len(words) > max_tokens
    content = " ".join(words[:max_tokens]) if cut else text
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "length" if cut else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": len(prompt.split()),
            "completion_tokens": len(content.split()),
            "total_tokens": len(prompt.split()) + len(content.split()),
        },
    }


def _handler_for(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the tests read `requests` instead

        def do_GET(self) -> None:
            if not self._seen(None):
                return
            if self.path.rstrip("/") != "/v1/models":
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            data = [{"id": name, "object": "model", "owned_by": "scripted"} for name in MODELS]
            self._send(200, {"object": "list", "data": data})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                self._send(400, {"error": {"message": "the body is not JSON"}})
                return
            if not self._seen(body):
                return
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            model = body.get("model") if isinstance(body, dict) else None
            if model not in (*MODELS, PLANNER):
                self._send(404, {"error": {"message": f"the model {model!r} does not exist"}})
                return
            prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
            text = server.answer(model, prompt)
            self._send(200, completion(model, text, prompt, body.get("max_tokens")))

        def _seen(self, body: Any) -> bool:
            """Keeps the request; False (and 401 sent) when the bearer token is wrong."""
            headers = {k.lower(): v for k, v in self.headers.items()}
            server.requests.append(Seen(self.command, self.path, headers, body))
            if server.api_key and headers.get("authorization") != f"Bearer {server.api_key}":
                self._send(401, {"error": {"message": "invalid api key"}})
                return False
            return True

        def _send(self, status: int, document: Any) -> None:
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            # A client that gave up (a timeout) is told nothing.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

    return Handler
