"""Mutation-test one module against only the tests that exercise it (docs/mutation.md).

    .venv/bin/python scripts/mutate_module.py cases/browse.py tests/cases/test_browse.py ...

mutmut reads its settings from pyproject.toml in the directory it runs in, and times the whole
test selection before the first mutant; running every module against every test file costs
hours on a shared machine. So this copies the project (without .venv and earlier mutants) to
build/mutmut/<module>/, rewrites the [tool.mutmut] section there to the one module and the given
test files, and runs `mutmut run` and `mutmut results` in the copy. The pyproject.toml in the
repository keeps the all-module configuration for `make mutate`.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(".venv", "mutants", "build", ".git", "*.sqlite3", "__pycache__")


def main(module, *tests):
    if not tests:
        sys.exit("usage: mutate_module.py MODULE TEST_FILE [TEST_FILE ...]")
    work = ROOT / "build" / "mutmut" / module.replace("/", "_").removesuffix(".py")
    if not (work / "mutants").exists():  # keep the results of an interrupted run to resume it
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(ROOT, work, ignore=IGNORE)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[tool\.mutmut\]\n(?:(?!^\[).*\n)*", pyproject, re.M).group(0)
    narrowed = re.sub(r"only_mutate = \[[^\]]*\]", f"only_mutate = [{module!r}]", section)
    narrowed = re.sub(
        r"pytest_add_cli_args_test_selection = \[[^\]]*\]",
        "pytest_add_cli_args_test_selection = [" + ", ".join(map(repr, tests)) + "]",
        narrowed,
    )
    (work / "pyproject.toml").write_text(
        pyproject.replace(section, narrowed.replace("'", '"')), encoding="utf-8"
    )
    mutmut = str(ROOT / ".venv" / "bin" / "mutmut")
    subprocess.run([mutmut, "run", "--max-children", "2"], cwd=work, check=False)
    subprocess.run([mutmut, "results", "--all", "true"], cwd=work, check=False)


if __name__ == "__main__":
    main(*sys.argv[1:])
