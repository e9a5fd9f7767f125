#!/usr/bin/env python3
"""What a pack says about a framework's classes, checked against the framework itself.

Usage (in the venv `.ci/setup` makes): ``pack_facts.py PACK.toml...``

For each Python pack: every role's root and alias import, the aliases are the root itself, and
the root's own namespace holds the async entry (the default a verdict of `inherited` names);
every known type and alias imports, derives from each listed base, and its own namespace holds
exactly the `defines` entries among the entries of the roles whose root it derives from (entries
the pack also declares a role on this class for count as listed). One line per mismatch on
stdout; exit 1 when there is any, 2 when something does not import.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import tomllib


def load(path: str) -> object:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


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
