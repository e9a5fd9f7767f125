"""Self-test of the runtime oracle and the Python fixtures (standard library only).

    python3 -B -m unittest discover -s tests/oracle -t tests/oracle -v

Runs the oracle with --check-comments under Python 3.11 (the running interpreter) and, when
pyenv has it, 3.12 (which adds fixtures/python/py312), and checks the bad/ fixtures' notes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ORACLE = REPO / "tests" / "oracle" / "runtime_oracle.py"
FIXTURES = REPO / "fixtures" / "python"


def interpreters() -> list[tuple[str, list[str], dict[str, str]]]:
    found = [(f"{sys.version_info[0]}.{sys.version_info[1]}", [sys.executable], dict(os.environ))]
    if sys.version_info < (3, 12) and shutil.which("python3.12"):
        env = dict(os.environ, PYENV_VERSION="3.12.1")
        probe = subprocess.run(["python3.12", "--version"], env=env, capture_output=True, text=True)
        if probe.returncode == 0:
            found.append(("3.12", ["python3.12"], env))
    return found


def pycache_dirs() -> list[Path]:
    return [p for base in (FIXTURES, ORACLE.parent / "stubs") for p in base.rglob("__pycache__")]


class OracleTest(unittest.TestCase):
    def run_oracle(self, command, env, *args):
        return subprocess.run(
            [*command, str(ORACLE), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )

    def test_comments_agree_with_python(self):
        before = set(pycache_dirs())
        for version, command, env in interpreters():
            with self.subTest(python=version):
                result = self.run_oracle(command, env, "--check-comments", str(FIXTURES))
                self.assertEqual(result.returncode, 0, result.stderr)
                types = json.loads(result.stdout)["types"]
                names = [t["qualname"] for t in types]
                self.assertEqual(names, sorted(names))
                user = [t for t in types if not t["qualname"].startswith("openhands.sdk.")]
                self.assertGreaterEqual(len(user), 40)
                roots = {t["qualname"] for t in types if t["provider"] == t["qualname"] and t["verdict"] == "inherited"}
                self.assertEqual(
                    roots,
                    {"openhands.sdk.agent.base.AgentBase", "openhands.sdk.conversation.base.BaseConversation"},
                )
                for t in types:
                    self.assertEqual(t["verdict"] == "inherited", t["provider"] in roots, t)
                made = next(t for t in types if t["qualname"].endswith(".make_agent.<locals>.Made"))
                self.assertEqual(made["qualname"], "app.agents.factories.make_agent.<locals>.Made")
                if tuple(map(int, version.split("."))) >= (3, 12):
                    self.assertIn("py312.pep695.TypedAgent", names)
        self.assertEqual(set(pycache_dirs()), before, "the oracle left __pycache__ behind")

    def test_roots_one_by_one_match_fixtures_python(self):
        _, command, env = interpreters()[0]
        whole = self.run_oracle(command, env, str(FIXTURES))
        parts = [FIXTURES / name for name in ("openhands-sdk", "openhands-tools", "app", "srcproj", "packonly", "nsplugins")]
        if sys.version_info >= (3, 12):
            parts.append(FIXTURES / "py312")
        split = self.run_oracle(command, env, *map(str, parts))
        self.assertEqual(whole.returncode, 0, whole.stderr)
        self.assertEqual(split.returncode, 0, split.stderr)
        self.assertEqual(json.loads(whole.stdout), json.loads(split.stdout))

    def test_module_names(self):
        _, command, env = interpreters()[0]
        result = self.run_oracle(command, env, "--list-modules", str(FIXTURES))
        self.assertEqual(result.returncode, 0, result.stderr)
        listing = json.loads(result.stdout)
        self.assertEqual(
            listing["roots"],
            [
                "fixtures/python",
                "fixtures/python/openhands-sdk",
                "fixtures/python/openhands-tools",
                "fixtures/python/srcproj/src",
                "tests/oracle/stubs",
            ],
        )
        modules = {m["module"]: m["path"] for m in listing["modules"]}
        self.assertEqual(modules["openhands.sdk.agent.base"], "fixtures/python/openhands-sdk/openhands/sdk/agent/base.py")
        self.assertEqual(modules["openhands.tools.delegate"], "fixtures/python/openhands-tools/openhands/tools/delegate/__init__.py")
        self.assertEqual(modules["srcpkg.sub.convs"], "fixtures/python/srcproj/src/srcpkg/sub/convs.py")
        self.assertEqual(modules["nsplugins.loose"], "fixtures/python/nsplugins/loose.py")
        self.assertNotIn("openhands", modules)  # namespace package: no __init__.py
        self.assertFalse(any(name.startswith("bad") for name in modules))


class BadFixturesTest(unittest.TestCase):
    def test_syntax_error_position(self):
        path = FIXTURES / "bad" / "syntax_error.py"
        line, column = map(int, re.search(r"line (\d+), column (\d+)", path.read_text()).groups())
        with self.assertRaises(SyntaxError) as caught:
            compile(path.read_bytes(), str(path), "exec")
        self.assertEqual((caught.exception.lineno, caught.exception.offset), (line, column))

    def test_latin1_decodes_per_pep_263(self):
        path = FIXTURES / "bad" / "latin1.py"
        data = path.read_bytes()
        with self.assertRaises(UnicodeDecodeError):
            data.decode("utf-8")
        namespace: dict = {}
        exec(compile(data, str(path), "exec"), namespace)
        self.assertEqual(namespace["GREETING"], "Grüße aus Köln")

    def test_undecodable_is_rejected(self):
        path = FIXTURES / "bad" / "undecodable.py"
        pep263 = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
        self.assertFalse(any(pep263.match(line) for line in path.read_bytes().splitlines()[:2]))
        with self.assertRaises(SyntaxError) as caught:
            compile(path.read_bytes(), str(path), "exec")
        self.assertEqual(caught.exception.lineno, 8)


if __name__ == "__main__":
    unittest.main()
