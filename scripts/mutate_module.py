"""Mutation-test one module against only the tests that exercise it (docs/mutation.md).

    .venv/bin/python scripts/mutate_module.py cases/browse.py tests/cases/test_browse.py ...
    .venv/bin/python scripts/mutate_module.py cases/indexing.py,cases/facets/definitions.py ...

mutmut reads its settings from pyproject.toml in the directory it runs in, and times the whole
test selection before the first mutant; running every module against every test file costs
hours on a shared machine. So this copies the project (without .venv and earlier mutants) to
build/mutmut/<module>/, rewrites the [tool.mutmut] section there to the one module and the given
test files, and runs `mutmut run` and `mutmut results` in the copy. The pyproject.toml in the
repository keeps the all-module configuration for `make mutate`.

Each mutant is a new pytest session. The sessions share one test database (a file beside the
copy for SQLite, test_<name> for PostgreSQL), kept with --reuse-db, and the catalogue is loaded
into it once (tests/conftest.py skips load_catalogue while the database holds the catalogue of
the current fixtures and code): a mutant then costs its tests, not a database and a catalogue.
Run one child at a time (MUTMUT_CHILDREN=1): two would write to the one database at once.

Against PostgreSQL (search.py's n-gram branch runs only there), set DATABASE_URL to your own
database.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(".venv", "mutants", "build", ".git", "*.sqlite3", "__pycache__")


def toml_list(paths):
    return "[" + ", ".join(f'"{path}"' for path in paths) + "]"


def main(module, *tests):
    if not tests:
        sys.exit("usage: mutate_module.py MODULE TEST_FILE [TEST_FILE ...]")
    modules = module.split(",")  # several modules that share their tests: one run
    name = "+".join(m.replace("/", "_").removesuffix(".py") for m in modules)
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        name += "-postgresql"
    # RUN=survivors keeps a second run apart: mutmut discards every result of a directory
    # whose test selection changes, e.g. when survivors are re-run with more tests.
    if os.environ.get("RUN"):
        name += "-" + os.environ["RUN"]
    work = ROOT / "build" / "mutmut" / name
    if not (work / "mutants").exists():  # keep the results of an interrupted run to resume it
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(ROOT, work, ignore=IGNORE)
    else:  # tests written since the last run reach the mutants (mutmut copies tests/ each run)
        shutil.copytree(ROOT / "tests", work / "tests", ignore=IGNORE, dirs_exist_ok=True)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[tool\.mutmut\]\n(?:(?!^\[).*\n)*", pyproject, re.M).group(0)
    narrowed = re.sub(r"only_mutate = \[[^\]]*\]", f"only_mutate = {toml_list(modules)}", section)
    narrowed = re.sub(
        r"pytest_add_cli_args_test_selection = \[[^\]]*\]",
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}",
        narrowed,
    )
    # One test database for all the mutants' sessions, with the catalogue loaded once
    # (KOKUDO_MUTATION_DB_DIR in tests/conftest.py), and each mutant forked from a process that
    # has only collected the tests: forked from mutmut's main process, it would inherit the
    # facet index and the database connection of the clean run.
    narrowed = re.sub(
        r"pytest_add_cli_args = \[", 'pytest_add_cli_args = ["--reuse-db", ', narrowed, count=1
    )
    narrowed += 'process_isolation = "forkserver"\n'
    # A reused database makes a session cheap, so the allowance for creating one
    # (timeout_constant in pyproject.toml) and mutmut's 15-fold margin only delay the verdict
    # on a mutant that loops forever (`while position != +1`): 17 minutes each, not 1.5.
    narrowed = re.sub(r"timeout_constant = [\d.]+", "timeout_constant = 20.0", narrowed)
    narrowed += "timeout_multiplier = 3.0\n"
    (work / "pyproject.toml").write_text(pyproject.replace(section, narrowed), encoding="utf-8")
    os.environ["KOKUDO_MUTATION_DB_DIR"] = str(work)
    mutmut = str(ROOT / ".venv" / "bin" / "mutmut")
    # One child: the mutants share one test database (two children would write to it at once).
    children = os.environ.get("MUTMUT_CHILDREN", "1")
    # MUTANTS narrows the run to some functions or mutants, e.g. MUTANTS='cases.indexing.x_derive*'.
    names = os.environ.get("MUTANTS", "").split()
    run = [mutmut, "run", "--max-children", children, *names]
    subprocess.run(run, cwd=work, check=False)  # noqa: S603
    subprocess.run([mutmut, "results", "--all", "true"], cwd=work, check=False)  # noqa: S603


if __name__ == "__main__":
    main(*sys.argv[1:])
