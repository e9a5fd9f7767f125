#!/usr/bin/env python3
"""Runtime oracle over the real frameworks: which class provides each role's async entry.

Usage (from the repository root, with the venv `.ci/setup` makes):

    target/test-deps/oracle-venv/bin/python tests/oracle/frameworks_oracle.py \
        fixtures/frameworks ROLES.json [--skip=PACKAGE...]

ROLES.json is a list of ``{"pack", "role", "root", "sync", "async"}`` objects, the
built-in packs' Python roles (``tests/oracle_frameworks.rs`` writes it from the packs, so
that a root path a pack gets wrong fails here, at import). Every ``.py`` module under the
fixture directory is imported (module names relative to it), but for the packages named by
``--skip`` (fixtures of a framework this venv cannot hold; ``source_oracle.py`` reads them);
for every class defined in one of them that subclasses a role's root, one entry is printed::

    {"types": [{"qualname": "langchain_app.tools.SyncTool", "pack": "langchain-core",
                "role": "tool", "verdict": "inherited",
                "provider": "langchain_core.tools.base.BaseTool"}, ...]}

The provider is the first class in ``cls.__mro__`` whose own ``vars()`` binds the async
entry. Not ``cls.entry is Root.entry``: LlamaIndex wraps methods in wrapt descriptors that
make a new object on every access, so identity says "overridden" for every class. Two
bindings still count as the root's: the root's own function under another class's name
(``_arun = BaseTool._arun``), and a function the root's own ``__init_subclass__`` planted
(``BaseRetriever`` plants an executor wrapper in old-style subclasses). ``verdict`` is
``inherited`` exactly when the provider is the root.

Standard library only, besides the frameworks the fixtures import. Exit 2 when a fixture
or a root does not import.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import sys
from pathlib import Path


def qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def import_root(path: str) -> type:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def fixture_modules(root: Path) -> list[str]:
    names = []
    for file in sorted(root.rglob("*.py")):
        parts = list(file.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts and all(p.isidentifier() for p in parts):
            names.append(".".join(parts))
    return names


def subclasses(root: type) -> list[type]:
    seen: dict[int, type] = {}
    work = [root]
    while work:
        current = work.pop()
        for sub in current.__subclasses__():
            if id(sub) not in seen:
                seen[id(sub)] = sub
                work.append(sub)
    return list(seen.values())


def planted_by(root: type, value: object) -> bool:
    name = getattr(inspect.unwrap(value), "__qualname__", "") if callable(value) else ""
    return isinstance(name, str) and name.startswith(f"{root.__qualname__}.__init_subclass__.<locals>.")


def provider(cls: type, root: type, entry: str) -> type | None:
    own = inspect.unwrap(vars(root)[entry])
    for klass in cls.__mro__:
        if entry not in vars(klass):
            continue
        value = vars(klass)[entry]
        if klass is root or planted_by(root, value):
            return root
        if callable(value) and inspect.unwrap(value) is own:
            return root
        return klass
    return None


def main(argv: list[str]) -> int:
    if len(argv) < 3 or any(not a.startswith("--skip=") for a in argv[3:]):
        print(__doc__, file=sys.stderr)
        return 2
    fixtures, roles = Path(argv[1]).resolve(), json.loads(Path(argv[2]).read_text())
    skipped = {a.removeprefix("--skip=") for a in argv[3:]}
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(fixtures))
    modules = [m for m in fixture_modules(fixtures) if m.split(".")[0] not in skipped]
    # Frameworks print banners and warnings while importing; stdout is the report's.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            for name in modules:
                importlib.import_module(name)
            roots = {r["root"]: import_root(r["root"]) for r in roles}
        except Exception as error:  # noqa: BLE001 - any import failure is a broken fixture
            print(f"oracle: import failed: {type(error).__name__}: {error}", file=sys.stderr)
            return 2
    ours = set(modules)
    types = []
    for role in roles:
        root = roots[role["root"]]
        for cls in subclasses(root):
            # Pydantic makes a class for each parametrization of a generic
            # model (`ToolDefinition[Any, Any]`) in the caller's module: no
            # class statement, so nothing the analyzer could list.
            if cls.__module__ not in ours or "[" in cls.__qualname__:
                continue
            found = provider(cls, root, role["async"])
            types.append(
                {
                    "qualname": qualname(cls),
                    "pack": role["pack"],
                    "role": role["role"],
                    "verdict": "inherited" if found is root else "native",
                    "provider": qualname(found) if found else None,
                }
            )
    types.sort(key=lambda t: (t["qualname"], t["pack"], t["role"]))
    json.dump({"types": types}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
