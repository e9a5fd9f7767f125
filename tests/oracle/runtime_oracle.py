#!/usr/bin/env python3
"""Runtime oracle for dispatchlint: what Python itself says about every role class.

Usage (from the repository root; standard library only):

    PYENV_VERSION=3.12.1 python3.12 tests/oracle/runtime_oracle.py fixtures/python
    python3 tests/oracle/runtime_oracle.py fixtures/python          # 3.11: py312/ is skipped
    python3 tests/oracle/runtime_oracle.py --check-comments fixtures/python
    python3 tests/oracle/runtime_oracle.py --list-modules fixtures/python

It imports every ``.py`` module under the given ROOTs and, for each role root, walks all
its subclasses (``__subclasses__()``, recursively) and prints one JSON document::

    {"types": [{"qualname": "app.agents.basic.NativeAgent", "role": "agent",
                "verdict": "native", "provider": "app.agents.basic.NativeAgent"}, ...]}

sorted by qualname (then role). ``qualname`` is ``cls.__module__ + "." + cls.__qualname__``
(so a class made inside a function is ``pkg.mod.func.<locals>.Cls``). ``verdict`` is
``"inherited"`` when ``getattr(cls, ASYNC) is getattr(ROOT, ASYNC)`` and ``"native"``
otherwise. ``provider`` is the first class in ``cls.__mro__`` whose ``__dict__`` binds ASYNC
(the class whose body defines the attribute, which the analyzer can know too), except that
a binding to the root's own function object (``astep = AgentBase.astep``, also through an
alias or a subclass that inherits it) reports the root: so ``verdict == "inherited"`` exactly
when ``provider`` is the root. The roots themselves are always reported (inherited, provider
itself). Other classes are reported only when they are defined in a module found under the
ROOTs: classes from ``--path`` directories and from ``tests/oracle/stubs`` are not.

Roles (mirrors the built-in `openhands` rule pack):

    agent         openhands.sdk.agent.base.AgentBase               sync step, async astep
    conversation  openhands.sdk.conversation.base.BaseConversation sync run,  async arun

Source roots (sys.path entries) and module names
------------------------------------------------
Each ROOT argument (a directory, or a single .py file) is mapped to a source root:

1. a directory containing ``pyproject.toml``: its ``src/`` child if there is one (src
   layout: ``fixtures/python/srcproj`` -> ``srcproj/src``), else the directory itself
   (``fixtures/python/openhands-sdk``, which holds the namespace package ``openhands/``);
2. else a directory (or a file's directory) containing ``__init__.py``: a regular package;
   climb while the parent also contains ``__init__.py``; the source root is the parent of
   the topmost package;
3. else the directory itself (a plain source directory such as ``fixtures/python``, or
   one that holds namespace packages) -- unless it lies inside the source root of another
   ROOT given by rules 1-2 (through identifier-named directories only): then it is a
   namespace package of that root (``fixtures/python/app fixtures/python/nsplugins``).
   Alone, a namespace package is reached through its parent directory.

Walking a source root, a subdirectory that contains ``pyproject.toml`` or whose name is not
a Python identifier (``openhands-sdk``) starts a new source root (rule 1 for the former,
the directory itself for the latter); any other subdirectory is a package (regular with
``__init__.py``, namespace without). The module name of ``ROOT/a/b/c.py`` is ``a.b.c``; of
``ROOT/a/b/__init__.py`` it is ``a.b``. Skipped: directories named ``bad`` (fixtures that do
not import on purpose), ``__pycache__``, hidden ones, directories named ``pyXY`` (e.g.
``py312``) when the running Python is older than X.Y, and ``--exclude`` paths.

For ``fixtures/python`` this gives the source roots

    fixtures/python                  app.*, packonly.*, nsplugins.* (namespace), py312.*
    fixtures/python/openhands-sdk    openhands.sdk.*   (openhands/ is a namespace package)
    fixtures/python/openhands-tools  openhands.tools.* (second portion of that namespace)
    fixtures/python/srcproj/src      srcpkg.*

plus ``--path`` directories and ``tests/oracle/stubs`` (third-party stand-ins, imported
only when a fixture imports them, never walked). The source roots are put at the front of
``sys.path`` in that order, the script's own directory is removed from it,
``sys.dont_write_bytecode`` is set before any import (no ``__pycache__`` is left behind), and
stdout is redirected to stderr while fixtures import.

--check-comments
----------------
Every role class defined under the ROOTs must carry, on its ``class`` header line(s), a
trailing comment ``# expect: native``, ``# expect: inherited`` or
``# expect: unknown (runtime: native|inherited)``. The check fails (exit 1) when a native /
inherited expectation disagrees with the runtime verdict, a role class has no expectation,
an expectation sits on a class that is not a role class at runtime or on no class header,
or the ``unknown`` expectations and ``expected_unknown.txt`` (the nearest one in a ROOT or
its ancestors, or ``--unknown-manifest``) do not list the same classes. For ``unknown``
ones the optional ``(runtime: ...)`` part is checked against the runtime verdict.

Exit codes: 0 ok, 1 a check failed, 2 usage error or a fixture failed to import.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import io
import json
import keyword
import os
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

ROLES = (
    # (role, module, class, sync entry, async entry)
    ("agent", "openhands.sdk.agent.base", "AgentBase", "step", "astep"),
    ("conversation", "openhands.sdk.conversation.base", "BaseConversation", "run", "arun"),
)

HERE = Path(__file__).resolve().parent
STUBS_DIR = HERE / "stubs"
SKIP_DIR_NAMES = {"bad", "__pycache__"}
VERSION_DIR = re.compile(r"^py(\d)(\d+)$")
EXPECT_RE = re.compile(
    r"#\s*expect:\s*(?P<expect>native|inherited|unknown)\b"
    r"(?:\s*\(runtime:\s*(?P<runtime>native|inherited)\))?"
)
MANIFEST_NAME = "expected_unknown.txt"


@dataclass
class Discovery:
    roots: list[Path] = field(default_factory=list)  # source roots, in discovery order
    modules: dict[str, Path] = field(default_factory=dict)  # module name -> file
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def is_name(part: str) -> bool:
    return part.isidentifier() and not keyword.iskeyword(part)


def project_root(directory: Path) -> Path:
    src = directory / "src"
    return src if src.is_dir() else directory


def version_gate(directory: Path) -> str | None:
    match = VERSION_DIR.match(directory.name)
    if match:
        wanted = (int(match.group(1)), int(match.group(2)))
        if sys.version_info[:2] < wanted:
            return f"needs Python {wanted[0]}.{wanted[1]}"
    return None


def discover(args: list[Path], excludes: list[Path]) -> Discovery:
    found = Discovery()
    excluded = {p.resolve() for p in excludes}

    def add_root(root: Path) -> None:
        root = root.resolve()
        if root not in found.roots:
            found.roots.append(root)

    def add_file(root: Path, file: Path, parts: tuple[str, ...]) -> None:
        stem = file.stem
        if stem == "__init__":
            name_parts = parts
        elif is_name(stem):
            name_parts = parts + (stem,)
        else:
            found.skipped.append((file, "file name is not a module name"))
            return
        if not name_parts:
            found.skipped.append((file, "__init__.py directly in a source root"))
            return
        name = ".".join(name_parts)
        previous = found.modules.get(name)
        if previous is not None and previous != file:
            found.errors.append(f"module {name} found twice: {display(previous)} and {display(file)}")
            return
        found.modules[name] = file

    def walk(root: Path, directory: Path, parts: tuple[str, ...]) -> None:
        for entry in sorted(directory.iterdir()):
            resolved = entry.resolve()
            if resolved in excluded:
                found.skipped.append((entry, "excluded"))
                continue
            if entry.is_dir():
                if entry.name in SKIP_DIR_NAMES or entry.name.startswith("."):
                    if entry.name != "__pycache__" and not entry.name.startswith("."):
                        found.skipped.append((entry, "skipped directory"))
                    continue
                gate = version_gate(entry)
                if gate:
                    found.skipped.append((entry, gate))
                    continue
                if (entry / "pyproject.toml").is_file():
                    new_root = project_root(entry)
                    add_root(new_root)
                    walk(new_root.resolve(), new_root.resolve(), ())
                elif not is_name(entry.name):
                    add_root(entry)
                    walk(resolved, resolved, ())
                else:
                    walk(root, resolved, parts + (entry.name,))
            elif entry.suffix == ".py" and entry.is_file():
                add_file(root, resolved, parts)

    plans: list[tuple[Path, Path, bool]] = []  # (root, start, plain directory: rule 3)
    for arg in args:
        if not arg.exists():
            found.errors.append(f"no such file or directory: {arg}")
            continue
        arg = arg.resolve()
        directory = arg if arg.is_dir() else arg.parent
        if arg.is_dir() and (arg / "pyproject.toml").is_file():
            plans.append((project_root(arg).resolve(), project_root(arg).resolve(), False))
        elif (directory / "__init__.py").is_file():
            top = directory
            while (top.parent / "__init__.py").is_file():
                top = top.parent
            plans.append((top.parent, arg, False))
        else:
            plans.append((directory, arg, True))
    # A plain directory inside another ROOT's source root is a namespace package of that
    # root (fixtures/python/app fixtures/python/nsplugins), not a source root of its own.
    known = [root for root, _, plain in plans if not plain]
    for index, (root, start, plain) in enumerate(plans):
        if plain:
            outer = [r for r in known if r in start.parents and all(is_name(p) for p in start.relative_to(r).parts)]
            if outer:
                plans[index] = (max(outer, key=lambda r: len(r.parts)), start, False)
    for root, start, _ in plans:
        add_root(root)
        if start.is_dir():
            gate = version_gate(start)
            if gate:
                found.skipped.append((start, gate))
                continue
            walk(root, start, tuple(start.relative_to(root).parts))
        else:
            add_file(root, start, tuple(start.parent.relative_to(root).parts))
    return found


def import_all(found: Discovery, extra_paths: list[Path]) -> list[str]:
    sys.dont_write_bytecode = True
    script_dir = str(HERE)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != script_dir]
    entries = [str(p) for p in found.roots] + [str(p.resolve()) for p in extra_paths] + [str(STUBS_DIR)]
    sys.path[:0] = entries
    importlib.invalidate_caches()
    errors = []
    with contextlib.redirect_stdout(sys.stderr):
        for name in sorted(found.modules):
            try:
                module = importlib.import_module(name)
            except BaseException as exc:  # noqa: BLE001 - report every failure
                errors.append(f"import {name} ({display(found.modules[name])}): {type(exc).__name__}: {exc}")
                continue
            loaded = getattr(module, "__file__", None)
            if loaded is None or Path(loaded).resolve() != found.modules[name]:
                errors.append(
                    f"module {name} was loaded from {loaded}, not {display(found.modules[name])} "
                    "(shadowed by another sys.path entry?)"
                )
    return errors


def qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def all_subclasses(root: type) -> list[type]:
    seen: dict[int, type] = {}
    stack = [root]
    while stack:
        cls = stack.pop()
        for sub in type.__subclasses__(cls):
            if id(sub) not in seen:
                seen[id(sub)] = sub
                stack.append(sub)
    return list(seen.values())


def provider_of(cls: type, root: type, attr: str) -> type:
    root_function = root.__dict__[attr]
    for klass in cls.__mro__:
        if attr in klass.__dict__:
            return root if klass.__dict__[attr] is root_function else klass
    return root


def collect_types(fixture_modules: set[str]) -> tuple[list[dict], list[str]]:
    types: list[dict] = []
    problems: list[str] = []
    for role, module_name, class_name, _sync, attr in ROLES:
        try:
            root = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            problems.append(
                f"role root {module_name}.{class_name} is not importable ({exc}); pass the "
                "framework directory (fixtures/python/openhands-sdk) as a ROOT or with --path"
            )
            continue
        root_value = getattr(root, attr)
        for cls in [root] + sorted(all_subclasses(root), key=qualname):
            if cls is not root and cls.__module__ not in fixture_modules:
                continue
            inherited = getattr(cls, attr) is root_value
            provider = provider_of(cls, root, attr)
            if inherited != (provider is root):
                problems.append(
                    f"{qualname(cls)}: identity says {'inherited' if inherited else 'native'} "
                    f"but the MRO binding comes from {qualname(provider)}"
                )
            types.append(
                {
                    "qualname": qualname(cls),
                    "role": role,
                    "verdict": "inherited" if inherited else "native",
                    "provider": qualname(provider),
                }
            )
    types.sort(key=lambda t: (t["qualname"], t["role"]))
    seen: set[tuple[str, str]] = set()
    for t in types:
        key = (t["qualname"], t["role"])
        if key in seen:
            problems.append(f"two distinct classes share the qualname {t['qualname']} ({t['role']})")
        seen.add(key)
    return types, problems


# ---------------------------------------------------------------- --check-comments


@dataclass
class Expectation:
    expect: str
    runtime: str | None
    file: Path
    line: int


def read_source(file: Path) -> str:
    with open(file, "rb") as handle:
        encoding, _ = tokenize.detect_encoding(handle.readline)
    return file.read_bytes().decode(encoding)


def class_headers(tree: ast.AST, module: str) -> list[tuple[str, ast.ClassDef]]:
    out: list[tuple[str, ast.ClassDef]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                name = prefix + child.name
                out.append((f"{module}.{name}", child))
                visit(child, name + ".")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{prefix}{child.name}.<locals>.")
            elif isinstance(child, ast.Lambda):
                visit(child, f"{prefix}<lambda>.<locals>.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return out


def expectations_in(module: str, file: Path, problems: list[str]) -> dict[str, Expectation]:
    source = read_source(file)
    tree = ast.parse(source, filename=str(file))
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    comments = {tok.start[0]: tok.string for tok in tokens if tok.type == tokenize.COMMENT}
    class_token = {
        tok.start: index for index, tok in enumerate(tokens) if tok.type == tokenize.NAME and tok.string == "class"
    }
    lines = source.splitlines()
    header_lines: set[int] = set()
    found: dict[str, Expectation] = {}
    for name, node in class_headers(tree, module):
        # ast columns are UTF-8 byte offsets; tokenize columns are characters.
        prefix = lines[node.lineno - 1].encode("utf-8")[: node.col_offset].decode("utf-8")
        index = class_token[(node.lineno, len(prefix))]
        depth, end_line = 0, node.lineno
        for tok in tokens[index:]:
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
            elif tok.type == tokenize.OP and tok.string == ":" and depth == 0:
                end_line = tok.start[0]
                break
        for line in range(node.lineno, end_line + 1):
            header_lines.add(line)
            match = EXPECT_RE.search(comments.get(line, ""))
            if match:
                found[name] = Expectation(match["expect"], match["runtime"], file, line)
    for line, text in comments.items():
        if line not in header_lines and re.search(r"#\s*expect:", text):
            problems.append(f"{display(file)}:{line}: `# expect:` comment outside a class header")
        elif line in header_lines and re.search(r"#\s*expect:", text) and not EXPECT_RE.search(text):
            problems.append(f"{display(file)}:{line}: malformed `# expect:` comment: {text}")
    return found


def find_manifest(args: list[Path]) -> Path | None:
    for arg in args:
        directory = arg.resolve()
        if not directory.is_dir():
            directory = directory.parent
        for candidate in [directory, *directory.parents]:
            if (candidate / MANIFEST_NAME).is_file():
                return candidate / MANIFEST_NAME
    return None


def read_manifest(path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        name, _, reason = text.partition("#")
        entries[name.strip()] = reason.strip()
    return entries


def module_of(name: str, modules: set[str]) -> str | None:
    parts = name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def check_comments(found: Discovery, types: list[dict], manifest_path: Path | None) -> list[str]:
    problems: list[str] = []
    expectations: dict[str, Expectation] = {}
    for module, file in sorted(found.modules.items()):
        expectations.update(expectations_in(module, file, problems))
    manifest = read_manifest(manifest_path) if manifest_path else {}
    if manifest_path is None:
        problems.append(f"no {MANIFEST_NAME} found in a ROOT or its ancestors (use --unknown-manifest)")
    modules = set(found.modules)
    runtime = {t["qualname"]: t for t in types}
    for t in types:
        name = t["qualname"]
        if module_of(name, modules) is None:
            continue  # a role root outside the ROOTs
        exp = expectations.get(name)
        if exp is None:
            problems.append(f"{name}: role class ({t['role']}, runtime {t['verdict']}) has no `# expect:` comment")
            continue
        where = f"{display(exp.file)}:{exp.line}"
        if exp.expect == "unknown":
            if name not in manifest:
                problems.append(f"{where}: {name} expects unknown but is not listed in {MANIFEST_NAME}")
            if exp.runtime and exp.runtime != t["verdict"]:
                problems.append(f"{where}: {name}: comment says runtime {exp.runtime}, Python says {t['verdict']}")
        else:
            if exp.expect != t["verdict"]:
                problems.append(f"{where}: {name}: comment says {exp.expect}, Python says {t['verdict']}")
            if name in manifest:
                problems.append(f"{where}: {name} is in {MANIFEST_NAME} but its comment expects {exp.expect}")
    for name, exp in expectations.items():
        if name not in runtime:
            problems.append(
                f"{display(exp.file)}:{exp.line}: {name} has `# expect: {exp.expect}` but is not a role class at runtime"
            )
    for name in manifest:
        if module_of(name, modules) is None:
            continue  # its module was not imported (e.g. py312/ on an older Python)
        exp = expectations.get(name)
        if exp is None or exp.expect != "unknown":
            problems.append(f"{MANIFEST_NAME}: {name} has no `# expect: unknown` comment on its class")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+", type=Path, metavar="ROOT", help="fixture directory or .py file")
    parser.add_argument("--path", action="append", type=Path, default=[], help="extra sys.path entry, not walked")
    parser.add_argument("--exclude", action="append", type=Path, default=[], help="path to skip while walking")
    parser.add_argument("--check-comments", action="store_true", help="verify `# expect:` comments (exit 1 on mismatch)")
    parser.add_argument("--unknown-manifest", type=Path, help=f"path of {MANIFEST_NAME}")
    parser.add_argument("--list-modules", action="store_true", help="print the source roots and module names, import nothing")
    parser.add_argument("--keep-going", action="store_true", help="print the JSON even when some modules fail to import")
    options = parser.parse_args(argv)

    found = discover(options.roots, options.exclude)
    for path, reason in found.skipped:
        print(f"oracle: skipped {display(path)}: {reason}", file=sys.stderr)
    if found.errors:
        for error in found.errors:
            print(f"oracle: error: {error}", file=sys.stderr)
        return 2
    if options.list_modules:
        document = {
            "roots": [display(root) for root in found.roots] + [display(p) for p in options.path] + [display(STUBS_DIR)],
            "modules": [{"module": name, "path": display(path)} for name, path in sorted(found.modules.items())],
        }
        print(json.dumps(document, indent=2))
        return 0

    import_errors = import_all(found, options.path)
    for error in import_errors:
        print(f"oracle: error: {error}", file=sys.stderr)
    if import_errors and not options.keep_going:
        return 2

    types, problems = collect_types(set(found.modules))
    print(json.dumps({"types": types}, indent=2))
    for problem in problems:
        print(f"oracle: error: {problem}", file=sys.stderr)
    if problems:
        return 2

    native = sum(t["verdict"] == "native" for t in types)
    print(
        f"oracle: Python {sys.version.split()[0]}: {len(found.modules)} modules, {len(types)} role classes "
        f"({native} native, {len(types) - native} inherited)",
        file=sys.stderr,
    )
    status = 2 if import_errors else 0
    if options.check_comments:
        manifest = options.unknown_manifest or find_manifest(options.roots)
        failures = check_comments(found, types, manifest)
        for failure in failures:
            print(f"oracle: check failed: {failure}", file=sys.stderr)
        if failures:
            return 1
        print(f"oracle: all `# expect:` comments agree with Python ({display(manifest)})", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
