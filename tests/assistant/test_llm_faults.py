"""Fault handling of LLMClient against a loopback stub: each failure is retried as designed and ends in a
clear error or a success, never a hang (pytest-timeout guards each test)."""
from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from assistant.core.llm import LLMClient, LLMOutputError, LLMUnavailable
from assistant.core.local_llm import free_port
from tests.assistant.llm_stub_server import Reply, StubLLMServer

pytestmark = pytest.mark.timeout(60)

VARS = {"aggregates": {"customers": 120, "orders_per_month": 2.5}, "top_categories": ["soup", "bread"]}


class Persona(BaseModel):
    name: str
    summary: str


def client(url: str, *, timeout: float = 5.0, max_retries: int = 2, method: str = "llama_json_schema") -> LLMClient:
    return LLMClient(base_url=url, api_key="test-key", model="stub-model", timeout=timeout,
                     max_retries=max_retries, structured_method=method, backend_name="stub")


@pytest.fixture()
def stub():
    with StubLLMServer() as server:
        yield server


def test_connection_refused_ends_in_llm_unavailable_naming_the_endpoint():
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(LLMUnavailable) as info:
        client(url, max_retries=1).text("persona_check", VARS)
    message = str(info.value)
    assert "could not be reached" in message and url in message
    assert "OPENAI_BASE_URL" in message and "MKT_LOCAL_MODEL" in message


def test_http_500_is_retried_then_succeeds(stub):
    stub.script(Reply.error(500), Reply.ok("Thrifty soup lovers."))
    assert client(stub.url).text("persona_check", VARS) == "Thrifty soup lovers."
    assert len(stub.chat_requests) == 2


def test_http_500_every_time_gives_up_after_max_retries(stub):
    stub.script(*[Reply.error(503)] * 5)
    with pytest.raises(LLMUnavailable, match="HTTP 503"):
        client(stub.url, max_retries=2).text("persona_check", VARS)
    assert len(stub.chat_requests) == 3  # first try + 2 retries


def test_429_honours_retry_after_then_succeeds(stub):
    stub.script(Reply.error(429, headers={"Retry-After": "2"}), Reply.ok("ok after waiting"))
    assert client(stub.url).text("persona_check", VARS) == "ok after waiting"
    first, second = stub.chat_requests
    # the client's own backoff for a first retry is at most 0.5 s: a gap of ~2 s means Retry-After was used
    assert second.at - first.at >= 1.8


def test_hang_past_timeout_is_retried_then_fails_clearly(stub):
    stub.script(Reply.hang(30), Reply.hang(30))
    with pytest.raises(LLMUnavailable, match="timed out"):
        client(stub.url, timeout=1.0, max_retries=1).text("persona_check", VARS)
    assert len(stub.chat_requests) == 2


def test_hang_once_then_success(stub):
    stub.script(Reply.hang(30), Reply.ok("second time lucky"))
    assert client(stub.url, timeout=1.0, max_retries=1).text("persona_check", VARS) == "second time lucky"


def test_stream_yields_pieces_and_retries_a_500(stub):
    stub.script(Reply.error(500), Reply.ok("A stream of words."))
    pieces = list(client(stub.url).stream("persona_check", VARS))
    assert len(pieces) > 1 and "".join(pieces) == "A stream of words."
    assert stub.chat_requests[-1].body["stream"] is True


def test_stream_connection_refused_raises_llm_unavailable():
    stream = client(f"http://127.0.0.1:{free_port()}/v1", max_retries=0).stream("persona_check", VARS)
    with pytest.raises(LLMUnavailable):
        list(stream)


def test_malformed_json_is_repaired_once(stub):
    stub.script(Reply.ok('{"name": "Soup fans", "summ'), Reply.ok('{"name": "Soup fans", "summary": "They buy soup."}'))
    persona = client(stub.url).structured("persona_check", VARS, Persona)
    assert persona == Persona(name="Soup fans", summary="They buy soup.")
    first, repair = stub.chat_requests
    # llama.cpp path: the schema goes in response_format (grammar-enforced there)
    assert first.body["response_format"]["type"] == "json_object"
    assert set(first.body["response_format"]["schema"]["properties"]) == {"name", "summary"}
    # the repair request replays the bad answer and names the validation error
    assert repair.body["messages"][-2] == {"role": "assistant", "content": '{"name": "Soup fans", "summ'}
    assert "could not be used" in repair.body["messages"][-1]["content"]


def test_the_token_limit_reaches_llama_cpp_and_openai_in_their_own_field(stub):
    # llama.cpp's server reads only `max_tokens`; without it a local answer runs to the context limit
    stub.script(Reply.ok('{"name": "N", "summary": "S."}'), Reply.ok('{"name": "N", "summary": "S."}'))
    client(stub.url).structured("persona_check", VARS, Persona)
    client(stub.url, method="json_schema").structured("persona_check", VARS, Persona)
    local, remote = (r.body for r in stub.chat_requests)
    assert local["max_tokens"] == 200 and "max_completion_tokens" not in local
    assert remote["max_completion_tokens"] == 200


def test_an_answer_cut_at_the_length_limit_is_repaired_once_then_a_clear_error(stub):
    stub.script(Reply.ok('{"name": "N", "summ', finish_reason="length"),
                Reply.ok('{"name": "N", "summ', finish_reason="length"))
    with pytest.raises(LLMOutputError, match="length limit"):
        client(stub.url).structured("persona_check", VARS, Persona)


def test_schema_violation_twice_raises_llm_output_error(stub):
    stub.script(Reply.ok('{"name": "Only a name"}'), Reply.ok("not json at all"))
    with pytest.raises(LLMOutputError, match="Persona") as info:
        client(stub.url).structured("persona_check", VARS, Persona)
    assert info.value.raw == "not json at all"
    assert "summary" in stub.chat_requests[1].body["messages"][-1]["content"]  # the error named the field
    assert len(stub.chat_requests) == 2


def test_code_fenced_json_is_accepted(stub):
    stub.script(Reply.ok('```json\n{"name": "N", "summary": "S."}\n```'))
    assert client(stub.url).structured("persona_check", VARS, Persona).name == "N"


def test_openai_json_schema_method_repairs_and_sends_json_schema(stub):
    stub.script(Reply.ok("{broken"), Reply.ok(json.dumps({"name": "N", "summary": "S."})))
    persona = client(stub.url, method="json_schema").structured("persona_check", VARS, Persona)
    assert persona.summary == "S."
    assert stub.chat_requests[0].body["response_format"]["type"] == "json_schema"


def test_auth_error_says_to_check_the_key(stub):
    stub.script(Reply.error(401, message="bad key"))
    with pytest.raises(LLMUnavailable, match="OPENAI_API_KEY"):
        client(stub.url).text("persona_check", VARS)
    assert len(stub.chat_requests) == 1  # 401 is not retried
