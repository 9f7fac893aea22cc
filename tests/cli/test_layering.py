"""iea_core is the library: it never imports the bridge or training; their commands reach `iea`
through the 'iea.commands' entry-point group."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import iea_core

ROOT = Path(iea_core.__file__).resolve().parents[1]

# makes `bridge` and `training` unimportable, as in an environment that lacks them
_HIDE = """
import importlib.abc, sys
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('bridge', 'training'):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Hide())
"""


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env, cwd=ROOT)


def test_no_module_of_iea_core_imports_bridge_or_training():
    offenders = []
    for path in sorted((ROOT / "iea_core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom)
                     and node.level == 0 else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                          if n.split(".")[0] in ("bridge", "training")]
    assert offenders == []


def test_library_and_its_commands_work_without_bridge_and_training():
    result = _python(_HIDE + """
import iea_core, iea_core.agent, iea_core.editor
from click.testing import CliRunner
from iea_core.cli import main
r = CliRunner().invoke(main, ['tools', '--json'])
assert r.exit_code == 0, r.output
r = CliRunner().invoke(main, ['--help'])
assert r.exit_code == 0 and 'edit' in r.output, r.output
r = CliRunner().invoke(main, ['serve', '--help'])
print('SERVE', r.exit_code, r.output.strip())
assert not any(m.split('.')[0] in ('bridge', 'training') for m in sys.modules)
""")
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("SERVE"))
    # a missing package is one clear line naming the command and how to install it
    assert line.startswith("SERVE 1 ") and "iea serve" in line and "pip install" in line, line
    assert "Traceback" not in result.stdout + result.stderr


def test_contributed_commands_are_discovered_lazily():
    result = _python("""
import sys
from iea_core.cli import contributed_commands
found = contributed_commands()
assert {'serve', 'client', 'status', 'keys', 'worker', 'train', 'eval'} <= set(found), found
assert found['train'].extras == ['train']
assert not any(m.split('.')[0] in ('bridge', 'training') for m in sys.modules)
""")
    assert result.returncode == 0, result.stderr
