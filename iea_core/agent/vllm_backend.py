"""The ``vllm`` backend: a served model (OpenAI-compatible URL) or an in-process vLLM engine.

* ``url="http://127.0.0.1:8000/v1"``: talks to ``vllm serve`` (or any OpenAI-compatible server)
  with the standard library only. Images travel as ``data:`` URLs (JPEG), the way vLLM's chat
  endpoint accepts them.
* ``model="/path/to/checkpoint"``: builds ``vllm.LLM`` in this process (GPU, ``pip install
  iea[vllm]``) and calls its ``chat`` method with the same OpenAI-format messages.

Prompts, parsing and the retry are shared with the transformers backend (``vlm_common``).
"""
from __future__ import annotations

import base64
import io
import json
import os
import urllib.error
import urllib.request
from typing import Any

from ..errors import AgentError, BackendUnavailable
from .vlm_common import Message, PromptedVlmAgent

#: Largest reply accepted from a server; a chat completion is a few KB.
MAX_REPLY_BYTES = 4 * 1024 * 1024


def image_data_url(image: Any, quality: int = 90) -> str:
    """A PIL image as a base64 JPEG ``data:`` URL."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def to_openai_messages(messages: list[Message], images: list[Any]) -> list[dict[str, Any]]:
    """Our chat messages (``{"type": "image"}`` placeholders) -> OpenAI chat format with the
    images inlined in order."""
    pending = iter(images)
    out = []
    for message in messages:
        content = message["content"]
        if isinstance(content, str):
            out.append({"role": message["role"], "content": content})
            continue
        parts = []
        for part in content:
            if part.get("type") == "image":
                try:
                    image = next(pending)
                except StopIteration:
                    raise AgentError("prompt has more image slots than images") from None
                parts.append({"type": "image_url", "image_url": {"url": image_data_url(image)}})
            else:
                parts.append({"type": "text", "text": part.get("text", "")})
        out.append({"role": message["role"], "content": parts})
    return out


class VllmAgent(PromptedVlmAgent):
    """Options: ``url`` (an OpenAI-compatible base URL, e.g. ``http://127.0.0.1:8000/v1``) or
    ``model`` (a local checkpoint for an in-process engine); ``served_model_name`` (default: the
    first model the server lists), ``api_key`` (default ``$IEA_VLLM_API_KEY`` or none),
    ``timeout`` seconds, ``max_new_tokens``, ``temperature``, ``top_p``, ``engine_kwargs`` (passed
    to ``vllm.LLM``), ``prompts_dir``, ``max_image_side``, ``history_turns`` (earlier turns
    shown in the prompt; 0 as in the training records)."""

    name = "vllm"

    def __init__(self, url: str | None = None, model: str | None = None, *,
                 served_model_name: str | None = None, api_key: str | None = None,
                 timeout: float = 120.0, max_new_tokens: int = 512, temperature: float = 0.0,
                 top_p: float = 1.0, engine_kwargs: dict[str, Any] | None = None,
                 prompts_dir: str | os.PathLike[str] | None = None, max_image_side: int = 1024,
                 recover_summary_program: bool = True, profile: str = "default",
                 history_turns: int = 0) -> None:
        super().__init__(prompts_dir=prompts_dir, max_image_side=max_image_side,
                         recover_summary_program=recover_summary_program, profile=profile,
                         history_turns=history_turns)
        if not url and not model:
            raise BackendUnavailable(
                "the vllm backend needs url (an OpenAI-compatible server such as "
                "`vllm serve CHECKPOINT`, e.g. http://127.0.0.1:8000/v1) or model (a local "
                "checkpoint for an in-process engine)")
        self.url = url.rstrip("/") if url else None
        self.timeout = float(timeout)
        self.max_new_tokens = int(max_new_tokens)
        self.temperature = float(temperature)
        self.top_p = float(top_p)
        self.api_key = api_key if api_key is not None else os.environ.get("IEA_VLLM_API_KEY")
        self.served_model_name = served_model_name
        self._engine = None
        if self.url is None:
            try:
                import vllm
            except ImportError:
                raise BackendUnavailable(
                    "vllm is not installed; `pip install iea[vllm]` on a GPU machine, or give "
                    "url= of a running vLLM server") from None
            self._vllm = vllm
            self._engine = vllm.LLM(model=str(model), limit_mm_per_prompt={"image": 2},
                                    **(engine_kwargs or {}))

    # --- transport -------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        assert self.url is not None
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.api_key:
            request.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                raw = reply.read(MAX_REPLY_BYTES + 1)
        except urllib.error.HTTPError as exc:
            detail = exc.read(2000).decode("utf-8", "replace")
            raise AgentError(f"vLLM server at {self.url} answered HTTP {exc.code}: "
                             f"{detail.strip()[:300]}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BackendUnavailable(f"cannot reach the vLLM server at {self.url}: {reason}") \
                from None
        if len(raw) > MAX_REPLY_BYTES:
            raise AgentError(f"vLLM server at {self.url} sent a reply over "
                             f"{MAX_REPLY_BYTES // 1024 // 1024} MB")
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise AgentError(f"vLLM server at {self.url} sent a reply that is not JSON") from None

    def _model_name(self) -> str:
        if self.served_model_name is None:
            listing = self._request("GET", "/models")
            try:
                self.served_model_name = str(listing["data"][0]["id"])
            except (KeyError, IndexError, TypeError):
                raise AgentError(f"vLLM server at {self.url} lists no model; pass "
                                 "served_model_name") from None
        return self.served_model_name

    def _complete(self, messages: list[Message], images: list[Any]) -> str:
        chat = to_openai_messages(messages, images)
        if self._engine is not None:
            params = self._vllm.SamplingParams(max_tokens=self.max_new_tokens,
                                               temperature=self.temperature, top_p=self.top_p)
            outputs = self._engine.chat(chat, params, use_tqdm=False)
            return outputs[0].outputs[0].text.strip()
        body = {"model": self._model_name(), "messages": chat,
                "max_tokens": self.max_new_tokens, "temperature": self.temperature,
                "top_p": self.top_p}
        reply = self._request("POST", "/chat/completions", body)
        try:
            content = reply["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise AgentError(f"vLLM server at {self.url} sent a reply without "
                             "choices[0].message.content") from None
        return (content or "").strip()
