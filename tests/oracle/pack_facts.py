#!/usr/bin/env python3
"""What a pack says about a framework's classes, checked against the framework itself.

Usage (in the venv `.ci/setup` makes): ``pack_facts.py PACK.toml...``

For each Python pack: every role's `default` is what the root's async entry does, read from its
body (docstring left out): `executor` when it calls `run_in_executor` or `to_thread`, `inline`
when it calls `self.SYNC(...)`, `raises` when it only raises `NotImplementedError` or is an
abstract method of an ABC with no body (no class that inherits it can be built), and, when it
awaits `self.ASYNC(...)` of a role it `drives` on `self`, that role's kind. Every role's root
and alias import, the aliases are the root itself, and
the root's own namespace holds the async entry (the default a verdict of `inherited` names);
every known type and alias imports, derives from each listed base, and its own namespace holds
exactly the `defines` entries among the entries of the roles whose root it derives from (entries
the pack also declares a role on this class for count as listed). One line per mismatch on
stdout; exit 1 when there is any, 2 when something does not import.
"""

from __future__ import annotations

import abc
import ast
import contextlib
import importlib
import inspect
import sys
import textwrap
import tomllib


def load(path: str) -> object:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def original(function: object, name: str) -> object:
    """The function as written: through `__wrapped__`, and through decorators that keep the
    function they wrap only in their closure (LlamaIndex's callback decorators)."""
    for _ in range(16):
        # LlamaIndex marks instrumented functions with `__wrapped__ = True`:
        # only a callable is followed.
        while callable(getattr(function, "__wrapped__", None)):
            function = function.__wrapped__
        cells = getattr(function, "__closure__", None) or ()
        inner = [
            cell.cell_contents
            for cell in cells
            if inspect.isfunction(getattr(cell, "cell_contents", None))
            and cell.cell_contents.__name__ == name
        ]
        if not inner or inner[0] is function:
            return function
        function = inner[0]
    return function


def body(function: object, name: str) -> str:
    """The function's source without its docstring."""
    # Through the code object: `getsource` of a function unwraps it again.
    code = original(function, name).__code__
    tree = ast.parse(textwrap.dedent(inspect.getsource(code)))
    node = tree.body[0]
    statements = node.body
    if statements and isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]
    return "\n".join(ast.unparse(statement) for statement in statements)


def default_kind(roles: dict, role: dict, roots: dict, seen: set) -> str | None:
    entry = vars(roots[role["root"]])[role["async"]]
    text = body(entry, role["async"])
    # An abstract entry with nothing but a docstring is never inherited by a
    # class that can be built (ABCMeta refuses it with TypeError), so the async
    # path of a type that does not override it fails: LlamaIndex's
    # AsyncBaseTool.acall.
    if not text and getattr(entry, "__isabstractmethod__", False) and isinstance(roots[role["root"]], abc.ABCMeta):
        return "raises"
    if "run_in_executor" in text or "to_thread" in text:
        return "executor"
    if f"self.{role['sync']}(" in text:
        return "inline"
    if text.startswith("raise NotImplementedError"):
        return "raises"
    for drive in role.get("drives", []):
        driven = roles[drive["role"]]
        if drive["attr"] == "self" and f"self.{driven['async']}(" in text and drive["role"] not in seen:
            return default_kind(roles, driven, roots, seen | {role["name"]})
    return None


def check(pack_path: str) -> list[str]:
    with open(pack_path, "rb") as file:
        pack = tomllib.load(file)
    if pack.get("language", "python") != "python":
        return []
    problems = []
    roots = {}
    for role in pack.get("roles", []):
        root = roots.setdefault(role["root"], load(role["root"]))
        if role["async"] not in vars(root):
            problems.append(f"{pack_path}: root {role['root']} does not define {role['async']}")
        for alias in role.get("aliases", []):
            if load(alias) is not root:
                problems.append(f"{pack_path}: {alias} is not {role['root']}")
    by_name = {role["name"]: role for role in pack.get("roles", [])}
    for role in pack.get("roles", []):
        found = default_kind(by_name, role, roots, set())
        if found != role.get("default"):
            problems.append(
                f"{pack_path}: role {role['name']}: the pack says default {role.get('default')!r}, "
                f"{role['root']}.{role['async']} reads as {found!r}"
            )
    for known in pack.get("types", []):
        cls = load(known["qualname"])
        for alias in known.get("aliases", []):
            if load(alias) is not cls:
                problems.append(f"{pack_path}: {alias} is not {known['qualname']}")
        for base in known["bases"]:
            if not issubclass(cls, load(base)):
                problems.append(f"{pack_path}: {known['qualname']} does not derive from {base}")
        listed = set(known.get("defines", []))
        entries = set()
        for role in pack.get("roles", []):
            if issubclass(cls, roots[role["root"]]):
                entries |= {role["sync"], role["async"]}
            if roots[role["root"]] is cls:
                listed |= {role["sync"], role["async"]} & set(vars(cls))
        own = {entry for entry in entries if entry in vars(cls)}
        if own != listed & entries:
            problems.append(
                f"{pack_path}: {known['qualname']} defines {sorted(own)}, "
                f"the pack says {sorted(listed & entries)}"
            )
    return problems


def main(argv: list[str]) -> int:
    problems = []
    with contextlib.redirect_stdout(sys.stderr):
        try:
            for path in argv[1:]:
                problems.extend(check(path))
        except (ImportError, AttributeError) as error:
            print(f"pack_facts: {type(error).__name__}: {error}", file=sys.stderr)
            return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
