"""The package's import graph keeps its layers: every import points down.

Read from the source with `ast` (no import runs): an import of a higher layer,
a circle, or Django/Pillow in the core fails here with the modules named.
"""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "restthumbnails"

# Lowest first. Top-level modules keep the paths users type; by role exceptions and
# extras are leaf facts, the package face (__version__) runs render/codecs (which
# formats this Pillow encodes) before anything reads the core's format table, and
# conf reads the settings the layers above it use. Every other top-level module is
# an entry point.
FOLDER_LAYERS = {
    "core": 0,
    "storage": 1,
    "render": 2,
    "conf": 3,
    "serving": 4,
    "lifecycle": 5,
    "server": 6,
}
TOP_LEVEL_LAYERS = {
    "restthumbnails": 3,
    "restthumbnails.exceptions": -1,
    "restthumbnails.extras": -1,
    "restthumbnails.conf": 3,
}
ENTRY_POINTS = 7


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("restthumbnails", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def layer(name: str) -> int:
    parts = name.split(".")
    if len(parts) > 1 and parts[1] in FOLDER_LAYERS:
        return FOLDER_LAYERS[parts[1]]
    return TOP_LEVEL_LAYERS.get(name, ENTRY_POINTS)


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(name, path, known) for name, path in known.items()}


def test_no_import_runs_back_up() -> None:
    """Each package import goes to the same or a lower layer (e.g. no storage -> serving)."""
    upward = sorted(
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if layer(target) > layer(source)
    )
    assert upward == []


def test_no_import_circle() -> None:
    """No module reaches itself through its imports (cli <-> server.lifecycle_commands was one)."""
    edges = graph()
    circles = []

    def visit(name: str, path: list[str], done: set[str]) -> None:
        for target in sorted(edges[name]):
            if target in path:
                circles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in done:
                visit(target, [*path, target], done)
        done.add(name)

    done: set[str] = set()
    for name in sorted(edges):
        if name not in done:
            visit(name, [name], done)
    assert circles == []


def test_the_core_imports_neither_django_nor_pillow() -> None:
    """core/ is pure: a `from django...` or `from PIL...` there names the module here."""
    found = set()
    for path in (PACKAGE / "core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            found |= {
                (path.stem, name.split(".")[0])
                for name in names
                if name.split(".")[0] in ("django", "PIL")
            }
    assert found == set()


def test_the_rules_see_the_imports_they_judge() -> None:
    """The reader finds the imports it must: the request steps import the wiring, `serve`
    the start-up sequence; a reader that saw nothing would pass every rule above."""
    edges = graph()
    assert "restthumbnails.serving.wiring" in edges["restthumbnails.serving.requests"]
    assert "restthumbnails.server.startup" in edges["restthumbnails.server.commands.serve"]
    assert layer("restthumbnails.serving.views") > layer("restthumbnails.render.engine")


def test_the_core_offers_exactly_the_formats_this_pillow_encodes() -> None:
    """The core asks no library, yet a fresh process that imports only the URL spec
    accepts ".avif" exactly where Pillow encodes AVIF (render/codecs ran first)."""
    probe = (
        "from PIL import features\n"
        "from restthumbnails.core.spec import EXTENSIONS\n"
        "print(features.check('avif'), 'avif' in EXTENSIONS)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    can_encode, offered = done.stdout.split()
    assert offered == can_encode


def test_a_render_process_loads_no_django() -> None:
    """The render pool's processes import Pillow and the engine, not Django: every
    render process would otherwise carry Django's modules (about 5 MB each here)."""
    probe = (
        "import sys\n"
        "import restthumbnails.render.pool.worker\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'asgiref'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
