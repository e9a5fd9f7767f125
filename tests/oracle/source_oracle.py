#!/usr/bin/env python3
"""The oracle for a framework that cannot be imported here, read from its released source.

Usage: ``source_oracle.py verdicts FIXTURE_PACKAGE ROLES.json SOURCE... [--lenient]``
       ``source_oracle.py facts PACK.toml SOURCE...``

crewAI cannot join the runtime oracle's venv: its release pins `pydantic<2.13` (the venv has the
newer pydantic the other frameworks use) and `import crewai` imports the whole crew, 56 more
packages from chromadb and onnxruntime to kubernetes. So this oracle parses the framework's
released source (SOURCE: a directory holding the unpacked wheel) and the fixtures with `ast`,
and applies Python's own rule to them: C3 linearization of the bases, then the first class in
the MRO whose body binds the entry (`def`, `async def`, an assignment; not a stub under
`if TYPE_CHECKING:`). A base outside the parsed directories (`pydantic.BaseModel`, `abc.ABC`,
`typing.Generic`) is imported for real and its own `__mro__` and `vars()` are used, so nothing
is assumed about it; one that neither parses nor imports fails the run (exit 2), or, with
``--lenient`` (for reading a whole framework as the package), leaves that class out with a line
on stderr.

``verdicts`` prints what ``frameworks_oracle.py`` prints, for every class in a module of the
fixture package (``fixtures/frameworks/crewai_app``) that derives from a role's root. An assignment of the root's own
function (``_arun = BaseTool._arun``) counts as the root's. What this cannot see, and the pack
says so where it matters: a method planted at run time (the crewAI root's
``__init_subclass__`` plants none).

``facts`` checks what ``pack_facts.py`` checks, from the source: each role's default read from
the root's async entry (`raise NotImplementedError` only: raises; `run_in_executor` or
`to_thread`: executor; `self.SYNC(`: inline), and each known type's body binding exactly the
`defines` entries among its roles' entries, and deriving from its listed bases.
"""

from __future__ import annotations

import ast
import importlib
import json
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(eq=False)
class Parsed:
    """A class statement: where it is, its bases as written, and what its body binds."""

    module: str
    qualname: str
    node: ast.ClassDef
    bases: list[ast.expr]
    binds: dict[str, ast.AST] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"{self.module}.{self.qualname}"


def module_files(root: Path) -> dict[str, Path]:
    found = {}
    for file in sorted(root.rglob("*.py")):
        parts = list(file.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts and all(p.isidentifier() for p in parts):
            found[".".join(parts)] = file
    return found


def type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class Source:
    """Modules parsed on demand from the given directories; names resolved as Python would."""

    def __init__(self, roots: list[Path]) -> None:
        self.files: dict[str, Path] = {}
        for root in roots:
            self.files.update(module_files(root))
        self.imports: dict[str, dict[str, str]] = {}
        self.classes: dict[str, Parsed] = {}
        self.parsed: set[str] = set()

    def is_package(self, module: str) -> bool:
        return self.files[module].name == "__init__.py"

    def parse(self, module: str) -> None:
        if module in self.parsed:
            return
        self.parsed.add(module)
        tree = ast.parse(self.files[module].read_text(encoding="utf-8"))
        names: dict[str, str] = {}
        self.imports[module] = names
        package = module if self.is_package(module) else module.rpartition(".")[0]

        def walk(statements: list[ast.stmt], prefix: str, top: bool) -> None:
            for statement in statements:
                if isinstance(statement, ast.If) and type_checking(statement.test):
                    # Stubs for type checkers: neither imports nor definitions at run time.
                    walk(statement.orelse, prefix, top)
                    continue
                if top and isinstance(statement, ast.Import):
                    for alias in statement.names:
                        if alias.asname:
                            names[alias.asname] = alias.name
                        else:
                            head = alias.name.split(".")[0]
                            names[head] = head
                elif top and isinstance(statement, ast.ImportFrom):
                    base = statement.module or ""
                    if statement.level:
                        anchor = package.split(".")
                        anchor = anchor[: len(anchor) - statement.level + 1]
                        base = ".".join(anchor + ([base] if base else []))
                    for alias in statement.names:
                        names[alias.asname or alias.name] = f"{base}.{alias.name}"
                elif isinstance(statement, ast.ClassDef):
                    qualname = f"{prefix}{statement.name}"
                    parsed = Parsed(module, qualname, statement, list(statement.bases))
                    self.classes[parsed.path] = parsed
                    if top:
                        names[statement.name] = parsed.path
                    collect(parsed, statement.body)
                    walk(statement.body, f"{qualname}.", False)
                elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    walk(statement.body, f"{prefix}{statement.name}.<locals>.", False)
                elif isinstance(statement, (ast.If, ast.Try, ast.With)):
                    for block in ("body", "orelse", "finalbody"):
                        walk(getattr(statement, block, []), prefix, top)
                    for handler in getattr(statement, "handlers", []):
                        walk(handler.body, prefix, top)

        def collect(parsed: Parsed, statements: list[ast.stmt]) -> None:
            for statement in statements:
                if isinstance(statement, ast.If) and type_checking(statement.test):
                    collect(parsed, statement.orelse)
                elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    parsed.binds[statement.name] = statement
                elif isinstance(statement, ast.Assign):
                    for target in statement.targets:
                        if isinstance(target, ast.Name):
                            parsed.binds[target.id] = statement.value
                elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    if isinstance(statement.target, ast.Name):
                        parsed.binds[statement.target.id] = statement.value
                elif isinstance(statement, (ast.If, ast.Try, ast.With)):
                    for block in ("body", "orelse", "finalbody"):
                        collect(parsed, getattr(statement, block, []))

        walk(tree.body, "", True)

    def resolve(self, dotted: str, depth: int = 0) -> str:
        """The defining path of a dotted name: through modules' imports and re-exports."""
        if depth > 32 or dotted in self.classes:
            return dotted
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module not in self.files:
                continue
            self.parse(module)
            if dotted in self.classes:
                return dotted
            name, rest = parts[cut], parts[cut + 1 :]
            target = self.imports[module].get(name)
            if target is None:
                submodule = f"{module}.{name}"
                if submodule in self.files and rest:
                    return self.resolve(".".join([submodule, *rest]), depth + 1)
                return dotted
            return self.resolve(".".join([target, *rest]), depth + 1)
        return dotted

    def expression(self, module: str, node: ast.expr) -> str | None:
        """The dotted path a base expression names, in `module`'s namespace."""
        if isinstance(node, ast.Subscript):
            return self.expression(module, node.value)
        chain = []
        while isinstance(node, ast.Attribute):
            chain.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        self.parse(module)
        head = self.imports[module].get(node.id)
        if head is None:
            head = f"{module}.{node.id}" if f"{module}.{node.id}" in self.classes else f"builtins.{node.id}"
        return self.resolve(".".join([head, *reversed(chain)]))


class Unresolved(Exception):
    pass


def runtime_class(dotted: str) -> type:
    module, _, name = dotted.rpartition(".")
    try:
        value = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise Unresolved(f"{dotted}: neither in the parsed source nor importable ({error})") from error
    if not isinstance(value, type):
        raise Unresolved(f"{dotted} is not a class")
    return value


class Hierarchy:
    """MROs over parsed classes (by path) and imported ones (by object)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.memo: dict[str, list] = {}

    def bases(self, parsed: Parsed) -> list:
        found = []
        for expression in parsed.bases:
            dotted = self.source.expression(parsed.module, expression)
            if dotted is None:
                raise Unresolved(f"{parsed.path}: a base that is not a name: {ast.unparse(expression)}")
            found.append(self.source.classes[dotted] if dotted in self.source.classes else runtime_class(dotted))
        return found or [object]

    def mro(self, node) -> list:
        if isinstance(node, type):
            return list(node.__mro__)
        if node.path in self.memo:
            return self.memo[node.path]
        bases = self.bases(node)
        sequences = [self.mro(base) for base in bases] + [list(bases)]
        result = [node]
        while any(sequences):
            sequences = [s for s in sequences if s]
            for sequence in sequences:
                head = sequence[0]
                if not any(head in s[1:] for s in sequences):
                    break
            else:
                raise Unresolved(f"{node.path}: no consistent MRO")
            result.append(head)
            sequences = [s[1:] if s[0] is head else s for s in sequences]
        self.memo[node.path] = result
        return result


def binds(node, name: str) -> bool:
    return name in node.binds if isinstance(node, Parsed) else name in vars(node)


def path(node) -> str:
    return node.path if isinstance(node, Parsed) else f"{node.__module__}.{node.__qualname__}"


def provider(hierarchy: Hierarchy, cls: Parsed, root: Parsed, entry: str) -> str | None:
    for klass in hierarchy.mro(cls):
        if not binds(klass, entry):
            continue
        if klass is root:
            return root.path
        value = klass.binds[entry] if isinstance(klass, Parsed) else None
        # `_arun = BaseTool._arun`: the root's own function under another name.
        if isinstance(value, ast.Attribute) and value.attr == entry:
            owner = hierarchy.source.expression(klass.module, value.value)
            if owner == root.path:
                return root.path
        return path(klass)
    return None


def verdicts(fixtures: Path, roles: list[dict], sources: list[Path], lenient: bool = False) -> dict:
    # FIXTURES is one fixture package: its modules are named from its parent.
    source = Source([fixtures.parent, *sources])
    hierarchy = Hierarchy(source)
    ours = {m for m in module_files(fixtures.parent) if m.split(".")[0] == fixtures.name}
    for module in ours:
        source.parse(module)
    types = []
    for role in roles:
        root_path = source.resolve(role["root"])
        if root_path not in source.classes:
            raise Unresolved(f"role {role['role']}: root {role['root']} is not in the parsed source")
        root = source.classes[root_path]
        for parsed in list(source.classes.values()):
            if parsed.module not in ours:
                continue
            try:
                mro = hierarchy.mro(parsed)
            except Unresolved as error:
                # A whole framework read as the package (not a fixture) has
                # classes of every kind; one whose bases cannot be followed is
                # named, and left out only when asked.
                if not lenient:
                    raise
                print(f"source_oracle: skipped: {error}", file=sys.stderr)
                continue
            if root not in mro[1:]:
                continue
            found = provider(hierarchy, parsed, root, role["async"])
            types.append(
                {
                    "qualname": parsed.path,
                    "pack": role["pack"],
                    "role": role["role"],
                    "verdict": "inherited" if found == root.path else "native",
                    "provider": found,
                }
            )
    types.sort(key=lambda t: (t["qualname"], t["pack"], t["role"]))
    return {"types": types}


def default_kind(role: dict, function: ast.AST) -> str | None:
    statements = list(getattr(function, "body", []))
    if statements and isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]
    text = "\n".join(ast.unparse(s) for s in statements)
    if "run_in_executor" in text or "to_thread" in text:
        return "executor"
    if f"self.{role['sync']}(" in text:
        return "inline"
    if text.startswith("raise NotImplementedError"):
        return "raises"
    return None


def facts(pack_path: str, sources: list[Path]) -> list[str]:
    with open(pack_path, "rb") as file:
        pack = tomllib.load(file)
    source = Source(sources)
    hierarchy = Hierarchy(source)
    problems = []
    roots = {}
    for role in pack.get("roles", []):
        root_path = source.resolve(role["root"])
        if root_path != role["root"] or root_path not in source.classes:
            problems.append(f"{pack_path}: role {role['name']}: root {role['root']} is not defined there")
            continue
        root = roots[role["root"]] = source.classes[root_path]
        for alias in role.get("aliases", []):
            if source.resolve(alias) != root_path:
                problems.append(f"{pack_path}: {alias} is not {role['root']}")
        if role["async"] not in root.binds:
            problems.append(f"{pack_path}: root {role['root']} does not define {role['async']}")
            continue
        found = default_kind(role, root.binds[role["async"]])
        if found != role.get("default"):
            problems.append(
                f"{pack_path}: role {role['name']}: the pack says default {role.get('default')!r}, "
                f"{role['root']}.{role['async']} reads as {found!r}"
            )
    for known in pack.get("types", []):
        known_path = source.resolve(known["qualname"])
        if known_path not in source.classes:
            problems.append(f"{pack_path}: {known['qualname']} is not defined there")
            continue
        cls = source.classes[known_path]
        for alias in known.get("aliases", []):
            if source.resolve(alias) != known_path:
                problems.append(f"{pack_path}: {alias} is not {known['qualname']}")
        mro = hierarchy.mro(cls)
        for base in known["bases"]:
            if source.classes.get(source.resolve(base)) not in mro:
                problems.append(f"{pack_path}: {known['qualname']} does not derive from {base}")
        entries = set()
        for role in pack.get("roles", []):
            if roots.get(role["root"]) in mro:
                entries |= {role["sync"], role["async"]}
        own = {entry for entry in entries if entry in cls.binds}
        listed = set(known.get("defines", [])) & entries
        if own != listed:
            problems.append(f"{pack_path}: {known['qualname']} defines {sorted(own)}, the pack says {sorted(listed)}")
    return problems


def main(argv: list[str]) -> int:
    try:
        if len(argv) >= 5 and argv[1] == "verdicts":
            lenient = "--lenient" in argv
            args = [a for a in argv[2:] if a != "--lenient"]
            roles = json.loads(Path(args[1]).read_text())
            report = verdicts(Path(args[0]).resolve(), roles, [Path(p).resolve() for p in args[2:]], lenient)
            json.dump(report, sys.stdout, indent=1)
            print()
            return 0
        if len(argv) >= 4 and argv[1] == "facts":
            problems = facts(argv[2], [Path(p).resolve() for p in argv[3:]])
            for problem in problems:
                print(problem)
            return 1 if problems else 0
    except Unresolved as error:
        print(f"source_oracle: {error}", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
