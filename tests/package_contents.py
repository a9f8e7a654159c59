"""What the built wheel and sdist must hold, checked before they could reach a package index.

    python -m tests.package_contents DIR   # DIR holds the wheel and sdist of `python -m build`

Exit status 0, or 1 with one line per problem on stderr:
- the wheel holds every module of src/restthumbnails, `py.typed`, the admin widget's
  template, script and style (without them `pip install` gives a widget with no
  picture), and the LICENSE text under `.dist-info/licenses/`;
- its METADATA has the licence expression, the classifiers that say which Django and
  Python it is for, every project URL of pyproject.toml, and the README as its page;
- the sdist holds the same source tree, the LICENSE, the README and pyproject.toml.
`make package` runs it after `twine check`; tests/test_package_contents.py proves it
finds each kind of problem.
"""

from __future__ import annotations

import sys
import tarfile
import tomllib
import zipfile
from email.parser import HeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "restthumbnails"
# Classifiers a user filters on; pyproject.toml may add more, never drop these.
REQUIRED_CLASSIFIERS = (
    "Framework :: Django",
    "Framework :: Django :: 5.2",
    "Framework :: Django :: 6.0",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Topic :: Multimedia :: Graphics",
)
PROJECT_URLS = ("Homepage", "Documentation", "Source", "Changelog", "Issues")


def package_files() -> list[str]:
    """The files a working install needs, relative to src/ (`restthumbnails/...`)."""
    wanted = list(PACKAGE.rglob("*.py"))
    wanted += [PACKAGE / "py.typed"]
    wanted += [p for p in (PACKAGE / "static").rglob("*") if p.is_file()]
    wanted += [p for p in (PACKAGE / "templates").rglob("*") if p.is_file()]
    return sorted(str(p.relative_to(PACKAGE.parent)) for p in wanted)


def project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]


def metadata_problems(text: str) -> list[str]:
    metadata = HeaderParser().parsestr(text)
    declared = project()
    problems = []
    if metadata.get("License-Expression") != declared["license"]:
        problems.append(f"METADATA: License-Expression is {metadata.get('License-Expression')!r}")
    classifiers = set(metadata.get_all("Classifier") or [])
    wanted = dict.fromkeys((*REQUIRED_CLASSIFIERS, *declared.get("classifiers", [])))
    for classifier in wanted:
        if classifier not in classifiers:
            problems.append(f"METADATA: no classifier {classifier!r}")
    urls = dict(
        line.split(", ", 1) for line in metadata.get_all("Project-URL") or [] if ", " in line
    )
    declared_urls: dict[str, str] = declared.get("urls", {})
    for name in dict.fromkeys((*PROJECT_URLS, *declared_urls)):
        if name not in urls:
            problems.append(f"METADATA: no project URL {name!r}")
        elif name in declared_urls and urls[name] != declared_urls[name]:
            problems.append(f"METADATA: project URL {name} is {urls[name]!r}, not pyproject's")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if metadata.get("Description-Content-Type") != "text/markdown":
        problems.append("METADATA: the README is not declared as text/markdown")
    if metadata.get_payload().strip() != readme.strip():
        problems.append("METADATA: the long description is not the README")
    return problems


def wheel_problems(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [info] = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
        problems = [f"wheel: no {name}" for name in package_files() if name not in names]
        licence = f"{info}/licenses/LICENSE"
        if licence not in names:
            problems.append(f"wheel: no {licence}")
        elif archive.read(licence) != (ROOT / "LICENSE").read_bytes():
            problems.append(f"wheel: {licence} is not the repository's LICENSE")
        problems += metadata_problems(archive.read(f"{info}/METADATA").decode("utf-8"))
    return problems


def sdist_problems(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as archive:
        # "restthumbnails-0.1.0/src/restthumbnails/api.py" -> "src/restthumbnails/api.py"
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    wanted = ["LICENSE", "README.md", "pyproject.toml"]
    wanted += [f"src/{name}" for name in package_files()]
    return [f"sdist: no {name}" for name in wanted if name not in names]


def problems_in(folder: Path) -> list[str]:
    version = project()["version"]
    wheels = sorted(folder.glob(f"restthumbnails-{version}-*.whl"))
    sdists = sorted(folder.glob(f"restthumbnails-{version}.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        return [
            f"{folder}: expected one wheel and one sdist of {version}, found {wheels + sdists}"
        ]
    return wheel_problems(wheels[0]) + sdist_problems(sdists[0])


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.package_contents DIR", file=sys.stderr)
        return 2
    problems = problems_in(Path(argv[0]))
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"package contents: the wheel and sdist in {argv[0]} hold what they must")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
