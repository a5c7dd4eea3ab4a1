"""The package's shape: no import cycle (imports inside functions included) and no module over 1,000 lines.

The import graph is built from the source (``ast``), not by importing anything, so that an import
written inside a function or under ``if TYPE_CHECKING:`` counts exactly like one at the top of a
module. The rules that decide what a module depends on:

- ``import a.b.c`` and ``from a.b import c`` depend on the module ``a.b.c`` (or on the package
  ``a.b`` when ``c`` is a name defined in it), and on every package above it that the importing
  module is not itself inside (importing ``tip_eval.io.coerce`` runs ``tip_eval/io/__init__.py``).
- ``tip_eval/__init__.py`` loads its public names lazily (``_EXPORTS``): it imports nothing when the
  package is imported, so the package itself has no dependency; a module that takes a public name
  from it (``from tip_eval import gains``, or ``tip_eval.gains`` after ``import tip_eval``) depends
  on the module that defines that name. Internal modules should import from the defining module
  directly, and a test below says so.

The layers themselves (which layer may import which) are checked by import-linter: ``lint-imports``
with the contracts in ``pyproject.toml``.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "tip_eval"
MAX_LINES = 1000


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package) for every module of the package."""
    found = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _lazy_exports() -> dict[str, str]:
    """Public name -> defining module, from the ``_EXPORTS`` and ``_SUBMODULES`` of the package."""
    tree = ast.parse((SRC / PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    exports: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            name = getattr(target, "id", None)
            if name == "_EXPORTS":
                exports.update(ast.literal_eval(node.value))
            elif name == "_SUBMODULES":
                exports.update({sub: f"{PACKAGE}.{sub}" for sub in ast.literal_eval(node.value)})
    return exports


LAZY = _lazy_exports()


def _known(name: str) -> str | None:
    """The longest prefix of ``name`` that is a module of the package."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in MODULES else None


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules one import statement loads (before adding the packages above them)."""
    out = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] == PACKAGE:
                out.append(_known(alias.name))
        return [t for t in out if t]
    if node.level:  # relative import
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    if source.split(".")[0] != PACKAGE:
        return out
    for alias in node.names:
        sub = f"{source}.{alias.name}"
        if sub in MODULES:
            out.append(sub)
        elif source == PACKAGE and alias.name in LAZY:
            out.append(LAZY[alias.name])
        else:
            out.append(_known(source))
    return [t for t in out if t]


def _package_aliases(tree: ast.AST) -> set[str]:
    """Names bound to the package itself by ``import tip_eval`` or ``import tip_eval as te``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE:
                    names.add(alias.asname or PACKAGE)
    return names


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {module it imports: line of the first such import}."""
    graph: dict[str, dict[str, int]] = {m: {} for m in MODULES}
    for module, (path, is_package) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges = graph[module]
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, is_package, node):
                    parts = target.split(".")
                    # the target and the packages above it that this module is not inside
                    for i in range(len(parts), 0, -1):
                        name = ".".join(parts[:i])
                        if name == module or module.startswith(name + "."):
                            break
                        edges.setdefault(name, node.lineno)
        aliases = _package_aliases(tree)
        for node in ast.walk(tree):  # tip_eval.gains after `import tip_eval`: the module defining gains
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr in LAZY
            ):
                edges.setdefault(LAZY[node.attr], node.lineno)
        edges.pop(module, None)
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    # load_study imports the loader inside the function, the loader imports the scoring module inside one
    assert "tip_eval.io.load" in graph["tip_eval.study"]
    assert "tip_eval.scoring" in graph["tip_eval.io.load"]
    # importing tip_eval.io.coerce runs tip_eval/io/__init__.py first
    assert "tip_eval.io" in graph["tip_eval.validation"]
    # tip_eval/__init__.py imports nothing when it is imported
    assert graph[PACKAGE] == {}


def test_the_graph_finds_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b": 1}, "b": {}}) == []


def test_no_import_cycle():
    graph = import_graph()
    found = []
    for component in _cycles(graph):
        members = set(component)
        lines = [f"  {a} -> {b} (line {graph[a][b]})" for a in component for b in sorted(graph[a]) if b in members]
        found.append("cycle among " + ", ".join(component) + ":\n" + "\n".join(lines))
    assert not found, "import cycles (imports inside functions count):\n" + "\n".join(found)


def test_internal_modules_import_from_the_defining_module():
    """``from tip_eval import gains`` inside the package hides a dependency behind the lazy loader."""
    offenders = []
    for module, (path, _) in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == PACKAGE and not node.level:
                for alias in node.names:
                    if alias.name in LAZY and f"{PACKAGE}.{alias.name}" not in MODULES:
                        offenders.append(f"{module} line {node.lineno}: from tip_eval import {alias.name}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "getattr"
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in _package_aliases(tree)
            ):
                offenders.append(f"{module} line {node.lineno}: getattr on the package")
    assert not offenders, "import these from the module that defines them:\n" + "\n".join(offenders)


def test_no_module_over_1000_lines():
    long = {}
    for module, (path, _) in MODULES.items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            long[module] = n
    assert not long, f"split these modules by job (at most {MAX_LINES} lines each): {long}"


def test_every_module_has_a_layer():
    """A new module is placed in the ``layers`` contract of ``pyproject.toml``, so lint-imports checks it."""
    import re
    import tomllib

    config = tomllib.loads((SRC.parent / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    layers = [name.strip() for layer in contract["layers"] for name in re.split(r"[|:]", layer)]
    unplaced = [
        m
        for m in MODULES
        if m not in (PACKAGE, f"{PACKAGE}.io") and not any(m == layer or m.startswith(layer + ".") for layer in layers)
    ]
    assert not unplaced, f"add these modules to the layers contract in pyproject.toml: {unplaced}"
