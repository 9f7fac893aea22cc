"""The vllm backend against a fake OpenAI-compatible server on 127.0.0.1 (bounded, in-thread)."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from iea_core.agent import get_agent
from iea_core.agent.vllm_backend import VllmAgent
from iea_core.errors import AgentError, BackendUnavailable, ModelOutputError
from vlm_helpers import FakeServer, random_image

GOOD = '<think>\nDull.\n</think>\n<answer>\n```json\n{"vibrance": 30}\n```\n</answer>'


def test_edit_over_http_sends_the_image_and_parses_the_answer():
    with FakeServer([GOOD]) as server:
        agent = get_agent("vllm", url=server.url, api_key="k1", recover_summary_program=False)
        result = agent.edit(random_image(0, (50, 70, 3)), "more colour please")
    assert result.program.to_dict() == {"vibrance": 30}
    methods = [(r[0], r[1]) for r in server.requests]
    assert methods == [("GET", "/v1/models"), ("POST", "/v1/chat/completions")]
    body, headers = server.requests[1][2], server.requests[1][3]
    assert body["model"] == "iea-7b" and body["temperature"] == 0.0
    assert headers["Authorization"] == "Bearer k1"
    user = body["messages"][1]["content"]
    assert user[0]["type"] == "image_url"
    jpeg = base64.b64decode(user[0]["image_url"]["url"].split(",", 1)[1])
    assert Image.open(io.BytesIO(jpeg)).size == (70, 50)
    assert "more colour please" in user[1]["text"]


def test_bad_answer_is_retried_once_with_the_error_then_fails_clearly():
    with FakeServer(["no idea", GOOD]) as server:
        agent = VllmAgent(url=server.url, served_model_name="m")
        assert agent.edit(random_image(), "x").program.to_dict() == {"vibrance": 30}
        retry_messages = server.requests[-1][2]["messages"]
        assert retry_messages[-2] == {"role": "assistant", "content": "no idea"}
    with FakeServer(["no idea", "still none"]) as server:
        with pytest.raises(ModelOutputError):
            VllmAgent(url=server.url, served_model_name="m").edit(random_image(), "x")


def test_server_errors_and_absence_are_readable():
    with FakeServer([], status=503) as server:
        with pytest.raises(AgentError, match="HTTP 503"):
            VllmAgent(url=server.url, served_model_name="m").edit(random_image(), "x")
    with FakeServer([b"<html>not json</html>"]) as server:
        with pytest.raises(AgentError, match="not JSON"):
            VllmAgent(url=server.url, served_model_name="m").edit(random_image(), "x")
    dead = FakeServer([])
    url = dead.url
    dead.server.server_close()
    with pytest.raises(BackendUnavailable, match="cannot reach"):
        VllmAgent(url=url, served_model_name="m", timeout=2).edit(random_image(), "x")
    with pytest.raises(BackendUnavailable, match="needs url"):
        VllmAgent()


def test_in_process_engine_without_vllm_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_vllm(name, *args, **kwargs):
        if name == "vllm":
            raise ImportError("no vllm")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_vllm)
    with pytest.raises(BackendUnavailable, match=r"iea\[vllm\]"):
        VllmAgent(model="/models/iea")
