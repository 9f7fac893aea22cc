"""The daemon serves the agent that config [agent]/[agent.options] and `iea serve --backend ...
--option key=value` name, hands the same options to every worker, and reports it in status."""
from __future__ import annotations

import socket

import numpy as np
from PIL import Image

from iea_core.agent import agent_settings, describe_settings


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def _photo(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.full((24, 32, 3), 120, np.uint8)).save(path)
    return str(path)


def test_settings_merge_config_options_of_the_same_backend_only(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[agent]\nbackend = "vllm"\n[agent.options]\nurl = "http://a:1/v1"\n'
                      'timeout = 5\n')
    monkeypatch.setenv("IEA_CONFIG", str(config))
    assert agent_settings() == ("vllm", {"url": "http://a:1/v1", "timeout": 5})
    assert agent_settings("vllm", {"timeout": 9}) == ("vllm", {"url": "http://a:1/v1",
                                                               "timeout": 9})
    # options written for another backend are not forced on this one
    assert agent_settings("embedded") == ("embedded", {})
    assert describe_settings("vllm", {"url": "http://a:1/v1", "api_key": "secret"}) == {
        "backend": "vllm", "model": "http://a:1/v1", "device": "remote server"}


def test_config_options_reach_every_worker(daemon_factory, tmp_path, monkeypatch):
    port = _closed_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[agent]\nbackend = "vllm"\n[agent.options]\n'
                      f'url = "http://127.0.0.1:{port}/v1"\ntimeout = 3\n')
    monkeypatch.setenv("IEA_CONFIG", str(config))
    daemon = daemon_factory(workers=2, test_methods=False)
    status = daemon.status()
    assert status["agent"] == {"backend": "vllm", "model": f"http://127.0.0.1:{port}/v1",
                               "device": "remote server"}
    image = _photo(tmp_path)
    with daemon.client(timeout=60) as client:
        for _ in range(2):
            reply = client.call("edit", {"image": image, "instruction": "warmer"})
            # the worker built the vllm agent with the configured url and tried to reach it;
            # without the options it would have said "needs url"
            assert not reply["ok"]
            assert reply["error"]["code"] == "backend_unavailable"
            assert f"127.0.0.1:{port}" in reply["error"]["message"], reply


def test_serve_option_overrides_config(daemon_factory, tmp_path, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("IEA_CONFIG", str(tmp_path / "none.toml"))
    daemon = daemon_factory("--backend", "vllm", "--option", f"url=http://127.0.0.1:{port}/v1",
                            "--option", "timeout=3", workers=1, test_methods=False)
    assert daemon.status()["agent"]["model"] == f"http://127.0.0.1:{port}/v1"
    with daemon.client(timeout=60) as client:
        reply = client.call("edit", {"image": _photo(tmp_path), "instruction": "warmer"})
    assert reply["error"]["code"] == "backend_unavailable"
    assert f"127.0.0.1:{port}" in reply["error"]["message"], reply


def test_edit_takes_the_same_option_form(tmp_path):
    from click.testing import CliRunner

    from iea_core.cli import main

    result = CliRunner().invoke(main, ["edit", "--sample", "warmer", "--backend", "transformers",
                                       "--option", f"model_path={tmp_path / 'none'}",
                                       "-o", str(tmp_path / "out.jpg")])
    assert result.exit_code == 1
    assert f"no model at '{tmp_path / 'none'}'" in result.output  # the option reached it
