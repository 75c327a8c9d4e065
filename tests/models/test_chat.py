"""The chat client against the scripted server on loopback (real HTTP): answers with text,
tokens and latency; every fault is a Failure, never an exception; the key is never echoed."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from appliance.models import chat
from tests.bundles import STRONG_SUITE, WEAK_SUITE
from tests.conftest import PROBLEM
from tests.llm_server import GARBAGE, ScriptedServer


def ask(model: str, prompt: str = f"Write tests for {PROBLEM}.") -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 500}


def test_the_api_root_is_the_base_url_ending_in_v1_or_the_base_url_plus_v1() -> None:
    assert chat.api_root("http://10.0.0.5:8000") == "http://10.0.0.5:8000/v1"
    assert chat.api_root("http://10.0.0.5:8000/") == "http://10.0.0.5:8000/v1"
    assert chat.api_root("http://10.0.0.5:8000/v1") == "http://10.0.0.5:8000/v1"
    assert chat.api_root("http://10.0.0.5/llm") == "http://10.0.0.5/llm/v1"


@pytest.mark.parametrize("suffix", ["", "/v1", "/v1/"])
def test_a_strong_model_answers_with_the_reference_suite_and_its_usage(
    llm_server: ScriptedServer, suffix: str
) -> None:
    with chat.new_client(5) as client:
        reply = chat.complete(client, llm_server.base_url + suffix, None, ask("strong"))
    assert isinstance(reply, chat.Reply)
    assert STRONG_SUITE in reply.text and "```python" in reply.text
    assert reply.prompt_tokens == 4 and reply.completion_tokens is not None
    assert reply.finish_reason == "stop" and 0 < reply.latency_s < 5
    assert llm_server.requests[-1].path == "/v1/chat/completions"


def test_models_of_known_quality_answer_as_scripted(llm_server: ScriptedServer) -> None:
    with chat.new_client(5) as client:
        weak = chat.complete(client, llm_server.base_url, None, ask("weak"))
        garbage = chat.complete(client, llm_server.base_url, None, ask("garbage"))
        leaky = chat.complete(client, llm_server.base_url, None, ask("leaky", "SECRET golden"))
        listed = chat.list_models(client, llm_server.base_url, None)
    assert isinstance(weak, chat.Reply) and WEAK_SUITE in weak.text
    assert isinstance(garbage, chat.Reply) and garbage.text == GARBAGE
    assert isinstance(leaky, chat.Reply) and leaky.text == "SECRET golden"
    assert isinstance(listed, chat.ModelList)
    assert listed.ids == ["strong", "weak", "garbage", "slow", "leaky"]


def test_max_tokens_cuts_an_answer(llm_server: ScriptedServer) -> None:
    body = {**ask("garbage"), "max_tokens": 1}
    with chat.new_client(5) as client:
        reply = chat.complete(client, llm_server.base_url, None, body)
    assert isinstance(reply, chat.Reply)
    assert (reply.text, reply.completion_tokens, reply.finish_reason) == ("Great", 1, "length")


def test_a_slow_model_is_a_timeout(llm_server: ScriptedServer) -> None:
    llm_server.slow_seconds = 2
    with chat.new_client(0.3) as client:
        failure = chat.complete(client, llm_server.base_url, None, ask("slow"))
    assert isinstance(failure, chat.Failure) and failure.kind == "timeout"
    assert "did not answer in time" in failure.detail and failure.latency_s < 2


def test_a_server_that_is_down_is_a_connection_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with chat.new_client(2) as client:
        failure = chat.complete(client, f"http://127.0.0.1:{port}", None, ask("strong"))
        listed = chat.list_models(client, f"http://127.0.0.1:{port}", None)
    assert isinstance(failure, chat.Failure) and failure.kind == "connection"
    assert isinstance(listed, chat.Failure) and listed.kind == "connection"


def test_an_unknown_model_is_an_http_status_failure(llm_server: ScriptedServer) -> None:
    with chat.new_client(5) as client:
        failure = chat.complete(client, llm_server.base_url, None, ask("gpt-9"))
    assert isinstance(failure, chat.Failure) and failure.kind == "status"
    assert "HTTP 404" in failure.detail and "does not exist" in failure.detail


def test_the_key_is_sent_as_a_bearer_token_and_never_said_back() -> None:
    server = ScriptedServer(api_key="sk-right").start()
    try:
        with chat.new_client(5) as client:
            ok = chat.complete(client, server.base_url, "sk-right", ask("garbage"))
            refused = chat.complete(client, server.base_url, "sk-wrong", ask("garbage"))
    finally:
        server.stop()
    assert isinstance(ok, chat.Reply)
    assert server.requests[0].headers["authorization"] == "Bearer sk-right"
    assert isinstance(refused, chat.Failure) and "HTTP 401" in refused.detail


def test_a_server_echoing_the_key_in_an_error_has_it_cut_out() -> None:
    server = ScriptedServer(api_key="sk-right").start()
    try:
        with chat.new_client(5) as client:
            # an unknown route's 404 quotes the path, which holds the key here
            failure = chat.list_models(client, f"{server.base_url}/sk-right", "sk-right")
    finally:
        server.stop()
    assert isinstance(failure, chat.Failure)
    assert "sk-right" not in failure.detail and "[api key]" in failure.detail


def test_answers_that_are_not_the_apis_json_are_response_failures() -> None:
    assert isinstance(chat._reply({"choices": []}, 0.1, "u"), chat.Failure)
    assert isinstance(chat._reply({"choices": [{"text": "x"}]}, 0.1, "u"), chat.Failure)
    empty = chat._reply({"choices": [{"message": {"content": None}}], "usage": 3}, 0.1, "u")
    assert isinstance(empty, chat.Reply) and empty.text == "" and empty.prompt_tokens is None


class _NestedAnswer(BaseHTTPRequestHandler):
    """Answers every request with JSON nested deeper than json.loads recurses."""

    def do_POST(self) -> None:
        # The request is read whole first: closing with it unread resets the connection,
        # and the client would see a connection failure instead of the answer.
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        payload = b"[" * 100_000 + b"]" * 100_000
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_answer_nested_too_deep_is_a_response_failure_not_an_exception() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NestedAnswer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with chat.new_client(5) as client:
            url = f"http://127.0.0.1:{server.server_address[1]}"
            failure = chat.complete(client, url, None, ask("strong"))
    finally:
        server.shutdown()
        server.server_close()
    assert isinstance(failure, chat.Failure) and failure.kind == "response"
    assert "not JSON" in failure.detail
