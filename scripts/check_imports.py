#!/usr/bin/env python3
"""The layout's import rules, checked on the source with `ast` (nothing is imported or run).

- A domain app (clinic, sessions_app, aftercare) never imports an audience package
  (frontdesk, practice, portal, reports, accounts); clinic/urls.py alone mounts them.
- An audience package never imports another audience package: what two of them share
  goes down into a domain module.
- sessions_app/rules.py, the pure rules, imports only models (clinic.models,
  sessions_app.models, django.db.models), calendar maths (clinic.clinic_time,
  sessions_app.calendar) and the standard library.

Every import counts, including the ones inside functions. Usage:
    python scripts/check_imports.py [ROOT]   (ROOT defaults to the repository)
Prints one `file:line: problem` per breach and exits 1 when there is any."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

DOMAIN_APPS = frozenset({"clinic", "sessions_app", "aftercare"})
AUDIENCE_PACKAGES = frozenset({"frontdesk", "practice", "portal", "reports", "accounts"})
MOUNTS_AUDIENCES = frozenset({"clinic/urls.py"})  # the URL map includes every audience

RULES_MODULE = "sessions_app/rules.py"
RULES_MAY_IMPORT = (
    "clinic.models", "sessions_app.models", "django.db.models",  # models
    "clinic.clinic_time", "sessions_app.calendar",  # calendar maths
)
SKIPPED_DIRS = frozenset({"migrations", "__pycache__", "node_modules", ".venv", "var"})


@dataclass(frozen=True, order=True)
class Breach:
    path: str  # relative to the root, with forward slashes
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, tuple[str, ...]]]:
    """(line, candidates) for every import in `tree`. `from a import b` gives both `a` and
    `a.b` as candidates (b may be a module or a name); relative imports are resolved
    against `module`, the dotted name of the file."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, (alias.name,)) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                parent = parts if is_package else parts[:-1]
                parent = parent[: len(parent) - (node.level - 1)] if node.level > 1 else parent
                base = ".".join([*parent, base] if base else parent)
            found += [(node.lineno, (base, f"{base}.{alias.name}") if base else (alias.name,))
                      for alias in node.names]
    return found


def top_level(name: str) -> str:
    return name.split(".", 1)[0]


def rules_may_import(candidates: tuple[str, ...]) -> bool:
    for name in candidates:
        if top_level(name) in sys.stdlib_module_names:
            return True
        if any(name == allowed or name.startswith(allowed + ".") for allowed in RULES_MAY_IMPORT):
            return True
    return False


def check_file(root: Path, path: Path) -> list[Breach]:
    relative = path.relative_to(root).as_posix()
    package = relative.split("/", 1)[0]
    dotted = relative.removesuffix(".py").replace("/", ".")
    is_package = dotted.endswith(".__init__")
    dotted = dotted.removesuffix(".__init__")
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    except SyntaxError as error:
        return [Breach(relative, error.lineno or 0, f"cannot be parsed: {error.msg}")]
    breaches = []
    for line, candidates in imported_modules(tree, dotted, is_package):
        target = top_level(candidates[0])
        imported = candidates[0]
        if package in DOMAIN_APPS and target in AUDIENCE_PACKAGES and relative not in MOUNTS_AUDIENCES:
            breaches.append(Breach(relative, line, f"domain app {package} imports audience {imported}"))
        if package in AUDIENCE_PACKAGES and target in AUDIENCE_PACKAGES and target != package:
            breaches.append(Breach(relative, line, f"audience {package} imports audience {imported}"))
        if relative == RULES_MODULE and not rules_may_import(candidates):
            problem = f"rules module imports {imported}: models and calendar maths only"
            breaches.append(Breach(relative, line, problem))
    return breaches


def python_files(root: Path):
    for package in sorted(DOMAIN_APPS | AUDIENCE_PACKAGES):
        folder = root / package
        if folder.is_dir():
            for path in sorted(folder.rglob("*.py")):
                if not SKIPPED_DIRS.intersection(path.relative_to(root).parts):
                    yield path


def check(root: Path) -> list[Breach]:
    return sorted(breach for path in python_files(root) for breach in check_file(root, path))


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    breaches = check(root.resolve())
    for breach in breaches:
        print(breach)
    if breaches:
        print(f"check_imports: {len(breaches)} import(s) break the layout's rules (see the README).")
        return 1
    print("check_imports: the layout's import rules hold.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
