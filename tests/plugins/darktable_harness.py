"""Drive the darktable script inside the real darktable GUI, under Xvfb.

The script is installed with ``iea plugin install darktable --dest CONFIGDIR`` into a fresh
config folder; a test driver appended to that folder's luarc (after the ``require "iea/iea"``
line the installer wrote) imports photos, fills the module's entry, calls the same functions the
buttons call, exports JPEGs through darktable's pipeline and quits. Every step is written to a
JSON log the test reads. The run is bounded by a timeout and the process group is killed if it
overstays.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

#: darktable 4.2's blend parameters for "no mask, normal blend, 100 %" (blendop version 11).
BLENDOP_PARAMS = "gz14eJxjYIAACQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGQg="


def exposure_dtstyle(name: str, ev: float) -> str:
    """A .dtstyle with one exposure (v6) item: the smallest real style darktable imports."""
    params = struct.pack("<iffffi", 0, 0.0, ev, 50.0, -4.0, 0).hex()
    return textwrap.dedent(f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <darktable_style version="1.0">
        <info><name>{name}</name><description>iea test style</description></info>
        <style><plugin>
        <num>0</num><module>6</module><operation>exposure</operation>
        <op_params>{params}</op_params><enabled>1</enabled>
        <blendop_params>{BLENDOP_PARAMS}</blendop_params><blendop_version>11</blendop_version>
        <multi_priority>0</multi_priority><multi_name></multi_name>
        </plugin></style>
        </darktable_style>
        """)


# A stand-in for `iea client` that answers like the bridge: "brighter"/"darker" edits become a
# +/-1 EV exposure style; "unreachable" exits 3 with no reply, as when no daemon can start.
FAKE_CLIENT = '''\
#!{python}
import json, struct, sys
from pathlib import Path
sys.path.insert(0, {harness_dir!r})
from darktable_harness import exposure_dtstyle
state = Path({state!r})
args = sys.argv[1:]
method = args[1]
opts = dict(zip(args[2::2], args[3::2]))
params = json.loads(Path(opts["--json"][1:]).read_text())
with open(state / "calls.jsonl", "a") as log:
    log.write(json.dumps({{"method": method, "params": params}}) + "\\n")
n = sum(1 for _ in open(state / "calls.jsonl"))

def reply(result, code=0):
    Path(opts["--out"]).write_text(json.dumps({{"v": 1, "id": "x", "ok": True, "result": result}}))
    sys.exit(code)

def style(name, ev):
    path = state / f"answer-{{n}}.dtstyle"
    path.write_text(exposure_dtstyle(name, ev))
    return {{"dtstyle": str(path), "style_name": name}}

text = params.get("instruction") or params.get("feedback") or ""
if "unreachable" in text:
    sys.exit(3)
if "slowly" in text:
    import time
    time.sleep(3)
if method == "edit" and "warm" in text:
    # iea's own darktable writer: several modules, named instances, as the real bridge sends
    from iea_core.hosts.darktable import write_dtstyle
    from iea_core.program import Program
    program = Program({{"temperature": 60, "exposure": 20, "shadows": 30}})
    path = write_dtstyle(program, f"iea warm {{n}}", state / f"warm-{{n}}.dtstyle")
    reply({{"program": program.to_dict(), "reasoning": ("\u201cwarmer\u201d reads as a request: warmer light; \u201ca bit "
                         "brighter\u201d: a little more exposure, and the shadows opened to "
                         "match. The other 13 tools stay at 0."),
           "explanations": {{}}, "host_settings": {{"dtstyle": str(path),
                                                   "style_name": f"iea warm {{n}}"}}}})
if method in ("edit", "refine"):
    assert Path(params["image"]).stat().st_size > 1000, "a rendered preview, not an empty file"
    ev = 1.0 if "brighter" in text else -1.0
    if method == "refine":
        ev = 0.5
    reply({{"program": {{"exposure": int(ev * 50)}}, "reasoning": f"asked: {{text}}",
           "explanations": {{}}, "host_settings": style(f"iea edit {{n}}", ev)}})
if method == "summarize":
    assert Path(params["before"]).stat().st_size > 0 and Path(params["after"]).stat().st_size > 0
    reply({{"sentence": "Brighter.", "program": {{"exposure": 40}}, "distance": 0.01,
           "host_settings": style(params.get("name", "iea summary"), 0.8)}})
if method == "compose":
    reply({{"program": params["program"], "change": params["program"], "reasoning": "",
           "explanations": {{}}, "host_settings": style(f"iea compose {{n}}", 0.8),
           "changes": [{{"key": "iea exposure", "before": 0, "after": 40, "tool": "exposure"}}]}})
if method == "export_preset":
    dest = Path(params["dest"]); dest.mkdir(parents=True, exist_ok=True)
    path = dest / (params["name"] + ".dtstyle")
    path.write_text(exposure_dtstyle(params["name"], 0.8))
    reply({{"files": [str(path)]}})
if method == "style_learn":
    reply({{"name": params["name"], "examples": len(params["images"]), "skipped": [],
           "report": [{{"tool": "exposure", "verdict": "per photo",
                        "sentence": "exposure: per photo; follows the photo"}}]}})
if method == "style_programs":
    # a learned style adapts: +1 EV for the first image asked about, -1 EV for later ones
    ev = 1.0 if n % 2 == 0 else -1.0
    reply({{"style": params["style"], "tools": ["exposure"], "results": [
        {{"image": params["images"][0], "ok": True, "program": {{"exposure": int(ev * 50)}},
          "host_settings": style(f"iea learned {{n}}", ev)}}]}})
sys.exit(1)
'''


@dataclass
class DarktableRun:
    returncode: int
    log: str  # darktable's stdout+stderr (with -d lua)
    steps: list[dict]  # what the driver recorded
    configdir: Path
    out: Path

    def step(self, name: str) -> dict:
        matches = [s for s in self.steps if s.get("step") == name]
        assert matches, f"driver never reached {name!r}; steps: {self.steps}\nlog tail:\n{self.log[-3000:]}"
        return matches[-1]


def install(configdir: Path, client: Path) -> None:
    """Install the script with the real installer, as a photographer would."""
    subprocess.run([sys.executable, "-m", "iea_core", "plugin", "install", "darktable",
                    "--dest", str(configdir), "--client", str(client)],
                   check=True, capture_output=True, timeout=60)
    # no first-run dialogs, a window big enough for the right panel
    (configdir / "darktablerc").write_text(
        "ui_last/window_w=1280\nui_last/window_h=860\nui_last/maximized=FALSE\n"
        "plugins/lighttable/tooltips=FALSE\nwrite_sidecar_files=on import\n"
        "lighttable/ui/expose_statuses=FALSE\nplugins/lighttable/images_in_row=3\n")


def fake_client(root: Path) -> Path:
    state = root / "client-state"
    state.mkdir()
    client = root / "fake-iea"
    client.write_text(FAKE_CLIENT.format(python=sys.executable, state=str(state),
                                         harness_dir=str(Path(__file__).parent)))
    client.chmod(0o755)
    return client


DRIVER_PRELUDE = r'''
-- test driver (appended by tests/plugins/darktable_harness.py)
local dt = require "darktable"
local J = require "iea/IeaJson"
local iea = package.loaded["iea/iea"]
local OUT = __OUT__
local steps = {}
local function record(step, data)
  data = data or {}
  data.step = step
  steps[#steps + 1] = data
  local handle = io.open(OUT .. "/steps.json", "w")
  handle:write(assert(J.encode(steps)))
  handle:close()
end
local function export(image, name)
  local format = dt.new_format("jpeg")
  format:write_image(image, OUT .. "/" .. name)
end
local function status() return iea.widgets.status.text end
local function sidecar(image)
  local handle = io.open(image.path .. "/" .. image.filename .. ".xmp", "rb")
  if not handle then return "" end
  local text = handle:read("a")
  handle:close()
  return text
end
record("loaded", { module = iea ~= nil and iea.actions ~= nil, lib = dt.gui.libs["iea"] ~= nil })
-- the test's body is compiled here so that even a syntax error in it ends with a quit
local env = setmetatable({ dt = dt, iea = iea, record = record, export = export, status = status,
                           sidecar = sidecar }, { __index = _G })
local body, err = load(__BODY__, "test body", "t", env)
local ok = false
if body then ok, err = pcall(body) end
'''

DRIVER_EPILOGUE = r'''
record("finished", { ok = ok, err = tostring(err) })
dt.gui.action("global/quit", 0, "", "", 1.0)
'''


def run_darktable(root: Path, body: str, *, timeout: float = 90, screenshot: Path | None = None,
                  client: Path | None = None, attempts: int = 3) -> DarktableRun:
    """Start darktable with the driver ``body`` (Lua, run under pcall) and wait for it to quit.

    darktable 4.2 sometimes deadlocks while starting under Xvfb, before any Lua script runs (the
    Lua thread and GTK's main loop wait on each other; seen about once in six starts on a
    2-core machine, with an empty luarc too). A start that has not reached the driver's first
    step within ``START_TIMEOUT`` is killed and retried with a fresh config folder.
    """
    assert "]==]" not in body
    client = client or fake_client(root)
    for attempt in range(1, attempts + 1):
        run = _start_once(root, body, client, timeout, screenshot)
        if run is not None:
            return run
    raise AssertionError(f"darktable hung while starting {attempts} times in a row")


START_TIMEOUT = 20.0


def _start_once(root: Path, body: str, client: Path, timeout: float,
                screenshot: Path | None) -> DarktableRun | None:
    configdir = root / "config"
    out = root / "out"
    for folder in (configdir, out, root / "cache"):
        shutil.rmtree(folder, ignore_errors=True)
    configdir.mkdir()
    out.mkdir()
    install(configdir, client)
    with (configdir / "luarc").open("a") as luarc:
        luarc.write(DRIVER_PRELUDE.replace("__OUT__", json.dumps(str(out)))
                    .replace("__BODY__", "[==[" + body + "]==]") + DRIVER_EPILOGUE)
    server_args = "-screen 0 1280x860x24"
    if screenshot is not None:
        screenshot.mkdir(parents=True, exist_ok=True)
        server_args += f" -fbdir {screenshot}"
    env = dict(os.environ, HOME=str(root), XDG_CONFIG_HOME=str(root / "xdg"),
               GDK_BACKEND="x11", NO_AT_BRIDGE="1")
    command = ["xvfb-run", "-a", "-s", server_args, "darktable", "--library", ":memory:",
               "--configdir", str(configdir), "--cachedir", str(root / "cache"), "-d", "lua"]
    log_path = root / "darktable.log"
    steps_file = out / "steps.json"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        started = time.monotonic()
        try:
            while proc.poll() is None:
                elapsed = time.monotonic() - started
                if elapsed > START_TIMEOUT and not steps_file.exists():
                    return None  # hung while starting: the finally clause kills it
                if elapsed > timeout:
                    raise AssertionError(
                        f"darktable did not quit within {timeout} s:\n"
                        + log_path.read_text(errors="replace")[-3000:])
                time.sleep(0.2)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    steps = json.loads(steps_file.read_text()) if steps_file.exists() else []
    return DarktableRun(proc.returncode, log_path.read_text(errors="replace"), steps, configdir,
                        out)
