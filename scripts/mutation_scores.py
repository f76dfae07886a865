"""Print the verdicts of every run under build/mutmut/ per mutated file (docs/mutation.md).

    .venv/bin/python scripts/mutation_scores.py [RUN_DIRECTORY ...]

A later run of the same module (scripts/mutate_module.py with RUN=…, re-running survivors
against more tests) overrides the verdicts of the first for the mutants it ran. Reads mutmut's
own result files (mutants/**/*.meta); "not run" are mutants no run reached.
"""

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent


def verdicts(directories):
    by_file = {}
    for directory in directories:
        for meta in sorted(Path(directory, "mutants").rglob("*.py.meta")):
            source = str(meta.relative_to(Path(directory, "mutants"))).removesuffix(".meta")
            exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
            found = by_file.setdefault(source, {})
            for name, code in exit_codes.items():
                if code is not None or name not in found:
                    found[name] = code
    return by_file


def status(code):
    return "not run" if code is None else status_by_exit_code[code]


def main(*directories):
    directories = directories or sorted(str(d) for d in (ROOT / "build" / "mutmut").iterdir())
    for source, found in sorted(verdicts(directories).items()):
        counts = Counter(status(code) for code in found.values())
        run = len(found) - counts["not run"]
        summary = f"{source}: {counts['killed']} killed of {run} run, {len(found)} mutants"
        print(summary, dict(counts))
        for name, code in sorted(found.items()):
            if status(code) not in ("killed", "not run"):
                print(f"    {status(code)}: {name}")


if __name__ == "__main__":
    main(*sys.argv[1:])
