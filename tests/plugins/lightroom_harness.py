"""Run the Lightroom plug-in's Lua outside Lightroom.

The plug-in folder is copied to a temp dir (so `iea_config.json` can point at a fake client), its
files run in a Lua 5.1 runtime (lupa) with the recording SDK stubs of ``lr_stubs.lua``, and
``LrTasks.execute`` runs commands through ``/bin/sh`` for real, as Lightroom on macOS does. The
fake client is a small Python script that records the request it got and writes a canned reply
envelope to ``--out``: the Lua under test never knows it is not talking to iea.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from lupa.lua51 import LuaRuntime

REPO = Path(__file__).resolve().parents[2]
PLUGIN_SRC = REPO / "plugin" / "lightroom" / "iea.lrplugin"
STUBS = Path(__file__).with_name("lr_stubs.lua")

FAKE_CLIENT = textwrap.dedent('''\
    #!{python}
    """Fake `iea`: records `iea client METHOD --json P --out F --timeout S`, replies from files."""
    import json, sys
    from pathlib import Path
    state = Path({state!r})
    args = sys.argv[1:]
    assert args[0] == "client", args
    method = args[1]
    opts = dict(zip(args[2::2], args[3::2]))
    assert opts["--json"].startswith("@"), "parameters travel in a file"
    params = json.loads(Path(opts["--json"][1:]).read_text())
    with open(state / "calls.jsonl", "a") as log:
        log.write(json.dumps({{"method": method, "params": params,
                              "timeout": opts.get("--timeout"), "out": opts["--out"],
                              "request": opts["--json"][1:]}}) + "\\n")
    reply = state / f"reply_{{method}}.json"
    if reply.exists():
        Path(opts["--out"]).write_bytes(reply.read_bytes())
    code = state / f"exit_{{method}}"
    sys.exit(int(code.read_text()) if code.exists() else 0)
''')


METHODS_CLIENT = textwrap.dedent('''\
    #!{python}
    """`iea client METHOD` answered by iea's real bridge methods, run in this process (a fresh
    "bridge" for every call: nothing is remembered between requests)."""
    import json, sys
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from bridge.methods import METHODS, MethodContext
    from iea_core.errors import IeaError
    state = Path({state!r})
    args = sys.argv[1:]
    method = args[1]
    opts = dict(zip(args[2::2], args[3::2]))
    params = json.loads(Path(opts["--json"][1:]).read_text())
    with open(state / "calls.jsonl", "a") as log:
        log.write(json.dumps({{"method": method, "params": params, "out": opts["--out"],
                              "request": opts["--json"][1:]}}) + "\\n")
    try:
        result = METHODS[method](params, MethodContext("t", backend="embedded"))
        reply = {{"v": 1, "id": "t", "ok": True, "result": result}}
    except IeaError as exc:
        reply = {{"v": 1, "id": "t", "ok": False,
                  "error": {{"code": exc.code, "message": str(exc)}}}}
    with open(state / "replies.jsonl", "a") as log:
        log.write(json.dumps(reply) + "\\n")
    Path(opts["--out"]).write_text(json.dumps(reply))
''')


def envelope(result: Any = None, *, error: tuple[str, str] | None = None) -> dict:
    if error:
        return {"v": 1, "id": "t", "ok": False, "error": {"code": error[0], "message": error[1]}}
    return {"v": 1, "id": "t", "ok": True, "result": result}


class Lightroom:
    """One plug-in instance in a fresh Lua state, with its fake client and recorded calls."""

    def __init__(self, root: Path, *, real_methods: bool = False) -> None:
        """``real_methods``: requests are answered by iea's bridge methods and embedded agent
        (in the client process) instead of canned replies."""
        self.root = root
        self.plugin = root / "iea.lrplugin"
        if self.plugin.exists():  # a second session ("Lightroom restarted") in the same folder
            shutil.rmtree(self.plugin)
        shutil.copytree(PLUGIN_SRC, self.plugin)
        self.state = root / "client-state"
        self.state.mkdir(exist_ok=True)
        self.temp = root / "temp"
        self.temp.mkdir(exist_ok=True)
        self.client = root / "fake-iea"
        template = METHODS_CLIENT if real_methods else FAKE_CLIENT
        self.client.write_text(template.format(python=sys.executable, state=str(self.state),
                                               repo=str(REPO)))
        self.client.chmod(0o755)
        self.set_config({"client": str(self.client)})

        self.lua = LuaRuntime(unpack_returned_tuples=True)
        g = self.lua.globals()
        self.R = self.lua.execute(STUBS.read_text())
        self.R.temp_dir = str(self.temp)
        self.R.app_data = str(root / "Adobe" / "Lightroom")
        self.R.execute = self._execute
        g._PLUGIN = self.lua.table_from({"path": str(self.plugin), "id": "org.iea.lightroom"})
        g.WIN_ENV, g.MAC_ENV = False, True
        self.lua.execute(
            """
            local R, dir = ...
            import = function(name)
              return R.modules[name] or error("the stubs have no SDK module " .. tostring(name))
            end
            -- Lightroom's require: load NAME.lua from the plug-in folder, once.
            local loaded = {}
            require = function(name)
              if loaded[name] == nil then
                local chunk = assert(loadfile(dir .. "/" .. name .. ".lua"))
                loaded[name] = chunk() or true
              end
              return loaded[name]
            end
            """,
            self.R, str(self.plugin),
        )

    # --- configuration --------------------------------------------------------------------
    def set_config(self, data: dict) -> None:
        (self.plugin / "iea_config.json").write_text(json.dumps(data))

    def reply(self, method: str, body: Any, exit_code: int = 0) -> None:
        """The fake client's next answer: a dict (JSON-encoded), raw text, or None (no file)."""
        path = self.state / f"reply_{method}.json"
        if body is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(body if isinstance(body, str) else json.dumps(body))
        (self.state / f"exit_{method}").write_text(str(exit_code))

    def select(self, *photos: tuple[int, str] | tuple[int, str, str]) -> None:
        self.R.targets = self.lua.table_from([self.R.new_photo(*p) for p in photos])

    def dialogs(self, *steps: dict) -> None:
        """Answers for the next modal dialogs: {"button": "ok"|"cancel", "values": {...}}."""
        lua_steps = []
        for step in steps:
            t = self.lua.table_from({"button": step.get("button", "ok")})
            t.values = self.lua.table_from(step.get("values", {}))
            lua_steps.append(t)
        self.R.dialog_script = self.lua.table_from(lua_steps)

    # --- running --------------------------------------------------------------------------
    execute_timeout = 60.0

    def _execute(self, command: str) -> int:
        return subprocess.run(["/bin/sh", "-c", command], timeout=self.execute_timeout).returncode

    def menu(self, script: str) -> None:
        """Run a Library menu item script the way Lightroom does."""
        chunk = self.lua.eval(f"assert(loadfile({json.dumps(str(self.plugin / script))}))")
        chunk()

    def module(self, name: str) -> Any:
        return self.lua.globals().require(name)

    # --- what happened --------------------------------------------------------------------
    def calls(self, kind: str | None = None) -> list[dict]:
        out = []
        for i in range(1, len(self.R.calls) + 1):
            d = to_python(self.R.calls[i])
            if kind is None or d["kind"] == kind:
                out.append(d)
        return out

    def client_calls(self) -> list[dict]:
        path = self.state / "calls.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]


def to_python(value: Any) -> Any:
    """Lua tables to dicts (or lists when keyed 1..n), recursively."""
    if hasattr(value, "items") and not isinstance(value, dict):
        d = {k: to_python(v) for k, v in value.items()}
        if d and all(isinstance(k, int) for k in d) and sorted(d) == list(range(1, len(d) + 1)):
            return [d[i] for i in range(1, len(d) + 1)]
        return d
    return value


def replies(lr: "Lightroom") -> list[dict]:
    """The replies a ``real_methods`` client sent, in order."""
    path = lr.state / "replies.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
