"""tests/package_contents.py finds what a broken wheel or sdist lacks.

`make package` runs that check on the real build; here it reads archives laid out as
setuptools writes them, from this tree. Input: a complete wheel and sdist. Answer: no
problem. Then one thing at a time is taken away (the licence text, the widget's script,
`py.typed`, a Django classifier, a project URL, the README page, a module in the
sdist). Answer: exit status 1 and a line naming what is missing.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest

from .package_contents import ROOT, main, package_files, project

INFO = "restthumbnails-{version}.dist-info"


def metadata(*, drop: str = "") -> str:
    declared = project()
    lines = [
        "Metadata-Version: 2.4",
        "Name: restthumbnails",
        f"Version: {declared['version']}",
        f"License-Expression: {declared['license']}",
        *(f"Classifier: {c}" for c in declared["classifiers"]),
        *(f"Project-URL: {n}, {u}" for n, u in declared["urls"].items()),
        "Description-Content-Type: text/markdown",
        "",
        (ROOT / "README.md").read_text(encoding="utf-8"),
    ]
    return "\n".join(line for line in lines if not (drop and line.startswith(drop)))


def write_wheel(folder: Path, *, leave_out: str = "", metadata_text: str | None = None) -> None:
    version = project()["version"]
    info = INFO.format(version=version)
    with zipfile.ZipFile(folder / f"restthumbnails-{version}-py3-none-any.whl", "w") as wheel:
        for name in package_files():
            if name != leave_out:
                wheel.write(ROOT / "src" / name, name)
        if leave_out != "LICENSE":
            wheel.write(ROOT / "LICENSE", f"{info}/licenses/LICENSE")
        wheel.writestr(f"{info}/METADATA", metadata_text or metadata())


def write_sdist(folder: Path, *, leave_out: str = "") -> None:
    version = project()["version"]
    top = f"restthumbnails-{version}"
    with tarfile.open(folder / f"{top}.tar.gz", "w:gz") as sdist:
        names = ["LICENSE", "README.md", "pyproject.toml", *(f"src/{n}" for n in package_files())]
        for name in names:
            if name != leave_out:
                sdist.add(ROOT / name, f"{top}/{name}")


def checked(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main([str(folder)])
    return status, capsys.readouterr().err


def test_a_complete_build_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_wheel(tmp_path)
    write_sdist(tmp_path)
    assert checked(tmp_path, capsys) == (0, "")


@pytest.mark.parametrize(
    ("leave_out", "named"),
    [
        ("LICENSE", ".dist-info/licenses/LICENSE"),
        ("restthumbnails/static/restthumbnails/focal_point.js", "focal_point.js"),
        ("restthumbnails/templates/restthumbnails/widgets/focal_point.html", "focal_point.html"),
        ("restthumbnails/py.typed", "wheel: no restthumbnails/py.typed"),
    ],
)
def test_a_wheel_without_a_file_fails_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], leave_out: str, named: str
) -> None:
    write_wheel(tmp_path, leave_out=leave_out)
    write_sdist(tmp_path)
    status, err = checked(tmp_path, capsys)
    assert status == 1 and named in err


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        ("Classifier: Framework :: Django :: 6.0", "no classifier 'Framework :: Django :: 6.0'"),
        ("Project-URL: Changelog", "no project URL 'Changelog'"),
        ("License-Expression", "License-Expression is None"),
        ("Description-Content-Type", "not declared as text/markdown"),
    ],
)
def test_metadata_without_a_field_fails_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], drop: str, named: str
) -> None:
    write_wheel(tmp_path, metadata_text=metadata(drop=drop))
    write_sdist(tmp_path)
    status, err = checked(tmp_path, capsys)
    assert status == 1 and named in err


def test_a_wheel_whose_page_is_not_the_readme_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_wheel(tmp_path, metadata_text=metadata() + "\nan older README\n")
    write_sdist(tmp_path)
    status, err = checked(tmp_path, capsys)
    assert status == 1 and "the long description is not the README" in err


def test_an_sdist_without_a_module_fails_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_wheel(tmp_path)
    write_sdist(tmp_path, leave_out="src/restthumbnails/api.py")
    status, err = checked(tmp_path, capsys)
    assert status == 1 and "sdist: no src/restthumbnails/api.py" in err


def test_a_folder_without_the_build_says_what_it_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_wheel(tmp_path)
    status, err = checked(tmp_path, capsys)
    assert status == 1 and "expected one wheel and one sdist" in err
