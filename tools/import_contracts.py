"""Import contracts for deepcomposer_desktop, checked by `make lint` (and tests/test_import_contracts.py).

Every `import` and `from ... import` in the package counts, wherever it stands: at the
top of a module, inside a function (a lazy import), under `if TYPE_CHECKING:`, and
`importlib.import_module("...")` / `__import__("...")` with a literal name. Relative
imports are resolved against the importing module's package.

The contracts:

1. Qt (PySide6, shiboken6) is imported only in ui/.
2. The `train` extra (torch, music21, onnx, safetensors, tqdm) is imported only in
   training/. onnxruntime, which the app runs models with, is not the `onnx` exporter.
3. generation/, audio/, midi_input/ and library/ never import ui/, training/ or cli/,
   directly or through other modules of the package.
4. music/ imports nothing else of the package but the top-level helpers errors.py and
   fileio.py, directly or through other modules.

Run: python tools/import_contracts.py [ROOT]   (ROOT: the folder holding the package;
default: this repository). Exit status 1 and one line per broken import if any.
"""

from __future__ import annotations

import ast
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "deepcomposer_desktop"
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Contract:
    name: str
    sources: tuple[str, ...]             # modules (and their submodules) the contract binds
    forbidden: tuple[str, ...]           # what they must not import (prefixes)
    allowed: tuple[str, ...] = ()        # exceptions inside `forbidden`
    exempt: tuple[str, ...] = ()         # exceptions inside `sources`
    transitive: bool = False             # also through other modules of the package


def _p(*names: str) -> tuple[str, ...]:
    return tuple(f"{PACKAGE}.{n}" if n else PACKAGE for n in names)


CONTRACTS = (
    Contract("Qt only in ui/", sources=_p(""), exempt=_p("ui"),
             forbidden=("PySide6", "shiboken6")),
    Contract("the train extra only in training/", sources=_p(""), exempt=_p("training"),
             forbidden=("torch", "music21", "onnx", "safetensors", "tqdm")),
    Contract("generation/, audio/, midi_input/, library/ never import ui/, training/, cli/",
             sources=_p("generation", "audio", "midi_input", "library"),
             forbidden=_p("ui", "training", "cli"), transitive=True),
    Contract("music/ imports only music/, errors.py and fileio.py of the package",
             sources=_p("music"), forbidden=_p(""),
             allowed=_p("music", "errors", "fileio"), transitive=True),
)


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@dataclass(frozen=True)
class Import:
    source: str      # the importing module
    target: str      # the imported module (or the module a name is taken from)
    path: Path
    line: int


def find_modules(root: Path) -> dict[str, Path]:
    """Every module of the package under `root`, by dotted name."""
    modules = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _resolve(package: str, level: int, name: str | None) -> str:
    base = package.split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def module_imports(module: str, path: Path, known: set[str]) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def add(target: str, node: ast.AST) -> None:
        found.append(Import(module, target, path, node.lineno))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.level, node.module) if node.level else node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                # `from pkg import mod` imports the module pkg.mod; `from mod import name` mod.
                add(sub if sub in known else base, node)
        elif isinstance(node, ast.Call):
            fn = node.func
            called = (fn.attr if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name)
                      and fn.value.id == "importlib" else fn.id if isinstance(fn, ast.Name) else None)
            if called not in ("import_module", "__import__") or not node.args:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                name = arg.value
                if name.startswith("."):
                    level = len(name) - len(name.lstrip("."))
                    name = _resolve(package, level, name[level:] or None)
                add(name, node)
    return found


def check(root: Path = REPO, contracts: tuple[Contract, ...] = CONTRACTS) -> list[str]:
    """One message per import that breaks a contract; empty when all hold."""
    modules = find_modules(root)
    known = set(modules)
    imports = {m: module_imports(m, p, known) for m, p in modules.items()}
    problems: list[str] = []

    def broken(c: Contract, target: str) -> bool:
        return _under(target, c.forbidden) and not _under(target, c.allowed)

    def where(imp: Import) -> str:
        return f"{imp.path.relative_to(root)}:{imp.line}"

    for c in contracts:
        for module in modules:
            if not _under(module, c.sources) or _under(module, c.exempt):
                continue
            for imp in imports[module]:
                if broken(c, imp.target):
                    problems.append(f"{where(imp)}: {module} imports {imp.target} "
                                    f"[{c.name}]")
            if not c.transitive:
                continue
            # Through other modules: breadth first over the package's own modules,
            # reporting the shortest chain to each forbidden module it reaches. Modules
            # the contract binds too are not walked through: their own check covers them.
            seen: set[str] = {module}
            queue: deque[tuple[str, list[Import]]] = deque([(module, [])])
            while queue:
                current, chain = queue.popleft()
                for imp in imports.get(current, ()):
                    target = _owner(imp.target, known)
                    if target is None or target in seen:
                        continue
                    seen.add(target)
                    path = chain + [imp]
                    if broken(c, target):
                        if len(path) > 1:  # a direct import is reported above
                            hops = " -> ".join([module] + [i.target for i in path])
                            problems.append(f"{where(path[0])}: {hops} "
                                            f"[{c.name}, through {where(imp)}]")
                        continue
                    if not (_under(target, c.sources) and not _under(target, c.exempt)):
                        queue.append((target, path))
    return problems


def _owner(target: str, known: set[str]) -> str | None:
    """The package module `target` is (or a name is taken from), if it is one of ours."""
    while target:
        if target in known:
            return target
        target = target.rpartition(".")[0]
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]).resolve() if args else REPO
    problems = check(root)
    for line in problems:
        print(line)
    if problems:
        print(f"import contracts: {len(problems)} broken import(s)", file=sys.stderr)
        return 1
    print(f"import contracts: {len(CONTRACTS)} kept")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
