"""The cases package has no import circle, and none of it depends on the bench tooling."""

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cases

PACKAGE = Path(cases.__file__).parent


def module_name(path):
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if "migrations" not in path.parts
}


def imported(name, path, *, top_level_only):
    """The modules a module imports (absolute names), at its top level or anywhere."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            # `from . import search` imports the module cases.search.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    # Importing a.b.c runs a and a.b first.
    with_parents = set()
    for module in found:
        parts = module.split(".")
        with_parents.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return with_parents


def test_no_import_circle_among_cases_modules():
    graph = {
        name: {m for m in imported(name, path, top_level_only=True) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }
    circles = []

    def visit(name, trail):
        if name in trail:
            circles.append([*trail[trail.index(name) :], name])
            return
        for target in sorted(graph[name]):
            # A package's __init__ importing its own submodules is how packages work.
            if not name.startswith(target + ".") and not target.startswith(name + "."):
                visit(target, [*trail, name])

    for name in graph:
        visit(name, [])
    assert circles == []


def test_the_circle_finder_finds_a_circle(tmp_path, monkeypatch):
    """The check above can fail: two modules importing each other are reported."""
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("from .a import thing\n")
    assert "loop.b" in imported("loop.a", package / "a.py", top_level_only=True)
    assert "loop.a" in imported("loop.b", package / "b.py", top_level_only=True)


def test_no_cases_module_imports_bench():
    offenders = {
        name
        for name, path in MODULES.items()
        if any(
            m == "bench" or m.startswith("bench.")
            for m in imported(name, path, top_level_only=False)
        )
    }
    assert offenders == set()


def import_first(name):
    """Import one module first after Django's set-up, in an interpreter of its own."""
    code = f"import django; django.setup(); import importlib; importlib.import_module({name!r})"
    return subprocess.run(  # noqa: S603 (our own interpreter, our own module names)
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=PACKAGE.parent,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kokudo.settings", "DEBUG": "1"},
    )


def test_each_module_imports_in_a_fresh_interpreter():
    # Django's set-up imports cases.models and cases.admin itself; what this adds to the check
    # above is that every other module also loads, with no name missing at import time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(MODULES, pool.map(import_first, MODULES), strict=True))
    failed = {name: r.stderr[-2000:] for name, r in results.items() if r.returncode}
    assert failed == {}
