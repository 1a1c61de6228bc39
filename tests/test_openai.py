"""The OpenAI-compatible endpoint, driven by the official `openai` client against a real
`qa serve` (started with an API key from QA_API_KEY): the same answers and citations as
`/api/ask`, streaming, follow-ups through `messages`, keys, and OpenAI-style errors."""

import json
from pathlib import Path

import httpx
import openai
import pytest

from qa.frontends.launch import running_server

pytestmark = pytest.mark.slow

KEY = "test-key-0123456789"
EVAL = Path(__file__).resolve().parent.parent / "eval/qa.jsonl"


@pytest.fixture(scope="module")
def server(seed_index):
    with running_server(seed_index, env={"QA_API_KEY": KEY}) as running:
        yield running.url


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server + "/v1", api_key=KEY, max_retries=0, timeout=120)


def ask_api(server, question, **fields):
    response = httpx.post(server + "/api/ask", json={"question": question, **fields},
                          headers={"Authorization": f"Bearer {KEY}"}, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def test_models_lists_the_one_model(client):
    models = client.models.list().data
    assert [m.id for m in models] == ["reports-qa"]
    assert len(models[0].model_extra["reader"]["sha256"]) == 64
    assert client.models.retrieve("reports-qa").id == "reports-qa"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_same_answers_and_citations_as_the_api(server, client):
    items = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()][:12]
    for item in items:
        expected = ask_api(server, item["question"])
        completion = client.chat.completions.create(
            model="reports-qa", messages=[{"role": "system", "content": "You are helpful."},
                                          {"role": "user", "content": item["question"]}], temperature=0.2)
        extra = completion.model_extra
        assert extra["citations"] == expected["citations"] and extra["abstained"] == expected["abstained"]
        assert extra["other_candidates"] == expected["other_candidates"]
        content = completion.choices[0].message.content
        if expected["abstained"]:
            assert content.splitlines()[0].startswith(("报告中没有找到答案。", "報告中沒有找到答案。",
                                                       "Not found in the reports."))
            assert expected["reason"] and expected["reason"] in content and extra["reason"] == expected["reason"]
        else:
            assert content.splitlines()[0].startswith(expected["answer"] + "[^1]")
            assert f"[^1]: {expected['citations'][0]['title']}" in content
        assert completion.choices[0].finish_reason == "stop" and completion.usage.total_tokens > 0


def test_stream_chunks_concatenate_to_the_reply(client):
    messages = [{"role": "user", "content": "2023年泉州开工重点项目多少个？"}]
    whole = client.chat.completions.create(model="reports-qa", messages=messages).choices[0].message.content
    chunks = list(client.chat.completions.create(model="reports-qa", messages=messages, stream=True,
                                                 stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == whole
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "stop"
    assert finals[0].model_extra["citations"][0]["quote"]
    assert chunks[-1].usage.total_tokens > 0 and whole.startswith("240个[^1]")


def test_a_follow_up_through_messages(client):
    first = client.chat.completions.create(
        model="reports-qa", messages=[{"role": "user", "content": "Who is the Party secretary of Wenzhou?"}])
    reply = first.choices[0].message.content
    assert reply.startswith("陈伟俊")
    follow_up = client.chat.completions.create(model="reports-qa", messages=[
        {"role": "user", "content": "Who is the Party secretary of Wenzhou?"},
        {"role": "assistant", "content": reply},
        {"role": "user", "content": [{"type": "text", "text": "And of Lishui?"}]}])
    content = follow_up.choices[0].message.content
    assert content.startswith("吴舜泽[^1]") and "_Asked as: Who is the Party secretary of Lishui?_" in content
    assert follow_up.model_extra["asked_as"] == "Who is the Party secretary of Lishui?"


def test_keys_are_checked(server):
    for key in ("wrong-key-000000", ""):
        bad = openai.OpenAI(base_url=server + "/v1", api_key=key or "x", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as raised:
            bad.chat.completions.create(model="reports-qa", messages=[{"role": "user", "content": "泉州"}])
        assert raised.value.body["type"] == "authentication_error"
    assert httpx.post(server + "/api/ask", json={"question": "泉州"}).status_code == 401
    assert httpx.get(server + "/v1/models").status_code == 401
    assert httpx.get(server + "/healthz").status_code == 200


@pytest.mark.parametrize("fields, error, param", [
    ({"n": 2}, openai.BadRequestError, "n"),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}, openai.BadRequestError, "tools"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}]},
     openai.BadRequestError, "messages.0.content"),
    ({"messages": [{"role": "user", "content": "泉州"}, {"role": "assistant", "content": "?"}]},
     openai.BadRequestError, "messages"),
    ({"messages": []}, openai.BadRequestError, "messages"),
    ({"messages": [{"role": "user", "content": "泉" * 1001}]}, openai.BadRequestError, None),
    ({"messages": [{"role": "user", "content": "   "}]}, openai.BadRequestError, None),
    ({"model": "gpt-4o"}, openai.NotFoundError, "model"),
])
def test_bad_requests_get_openai_errors(client, fields, error, param):
    request = {"model": "reports-qa", "messages": [{"role": "user", "content": "泉州"}], **fields}
    with pytest.raises(error) as raised:
        client.chat.completions.create(**request)
    assert raised.value.body["message"] and raised.value.body["param"] == param


def test_wrong_shapes_and_unknown_routes_keep_the_openai_shape(server):
    headers = {"Authorization": f"Bearer {KEY}"}
    for body in (b"{", b'{"model": "reports-qa", "messages": "hi"}', b"[]"):
        response = httpx.post(server + "/v1/chat/completions", content=body, headers=headers)
        assert response.status_code == 400 and set(response.json()["error"]) == {"message", "type", "param", "code"}
    missing = httpx.get(server + "/v1/embeddings", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"
