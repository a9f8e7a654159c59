"""Run the install lanes: `python -m tests.lanes [LANE ...] [--jobs N]`.

With this (the test) venv's python: build the sdist and, from it, the wheel; put the
wheel's dependencies for every extra into one wheelhouse (one resolution, pip's cache
shared); then, per lane, a venv without pip, `pip --python` installing only the
wheel (bare) or `wheel[EXTRA]` from the wheelhouse, and the lane's smoke script.
The lanes are `bare` plus every extra pyproject.toml declares (but `test`); a lane
without a smoke script, or a smoke script whose extra pyproject.toml lacks, fails
with a message saying so.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
WORK = REPOSITORY / "build" / "lanes"
NOT_LANES = {"test"}  # the developers' tools, not a feature users install
LANE_TIMEOUT = 420


SKIPPED = 77  # kit.SKIPPED: a server the lane needs is not installed (never under CI)


@dataclass
class Outcome:
    lane: str
    passed: bool
    seconds: float
    detail: str
    skipped: bool = False


def declared_extras() -> list[str]:
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    return [name for name in project.get("optional-dependencies", {}) if name not in NOT_LANES]


def smoke_scripts() -> list[str]:
    return sorted(path.stem.removeprefix("lane_") for path in HERE.glob("lane_*.py"))


def quiet(argv: list[str], **kwargs: object) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        sys.exit(f"lanes: {' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")


def build_wheel() -> Path:
    dist = WORK / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    # sdist, then the wheel built from it: what PyPI would get, with no stale build/lib.
    quiet([sys.executable, "-m", "build", "--outdir", str(dist), str(REPOSITORY)])
    (wheel,) = dist.glob("restthumbnails-*.whl")
    return wheel


def fill_wheelhouse(wheel: Path, extras: list[str]) -> Path:
    house = WORK / "wheelhouse"
    # Refilled every run (pip's cache makes that cheap): a wheel left by an older
    # resolution must not stand in for what the current pyproject.toml asks.
    shutil.rmtree(house, ignore_errors=True)
    house.mkdir(parents=True)
    wanted = f"{wheel}[{','.join(extras)}]" if extras else str(wheel)
    quiet([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(house), wanted])
    return house


def run_lane(lane: str, wheel: Path, house: Path, extras: list[str]) -> Outcome:
    started = time.monotonic()
    folder = WORK / lane
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log = folder / "lane.log"

    def outcome(passed: bool, detail: str) -> Outcome:
        return Outcome(lane, passed, time.monotonic() - started, detail)

    script = HERE / f"lane_{lane}.py"
    if lane != "bare" and lane not in extras:
        return outcome(False, f"pyproject.toml declares no extra {lane!r} for {script.name}")
    if not script.exists():
        return outcome(False, f"the extra {lane!r} has no smoke script: add {script.name}")
    venv = folder / "venv"
    python = venv / "bin" / "python"
    wanted = str(wheel) if lane == "bare" else f"{wheel}[{lane}]"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV")
    }
    with log.open("w") as out:
        steps = [
            [sys.executable, "-m", "venv", "--without-pip", str(venv)],
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(python),
                "install",
                "--quiet",
                "--no-index",
                "--find-links",
                str(house),
                wanted,
            ],
        ]
        for argv in steps:
            out.write(f"$ {' '.join(argv)}\n")
            out.flush()
            if (
                subprocess.run(
                    argv, stdout=out, stderr=subprocess.STDOUT, env=env, check=False
                ).returncode
                != 0
            ):
                return outcome(False, log.read_text())
        out.write(f"$ {python} {script.name}\n")
        out.flush()
        lane_env = dict(
            env, LANE_DIR=str(folder), LANE_TOOLS_PYTHON=sys.executable, HOME=str(folder)
        )  # serve's key file lands in the lane, not ~
        try:
            # -E -s: nothing from PYTHONPATH or the user's site reaches the lane.
            code = subprocess.run(
                [str(python), "-E", "-s", str(script)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=lane_env,
                cwd=folder,
                timeout=LANE_TIMEOUT,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\nlanes: killed after {LANE_TIMEOUT} s\n")
            code = -1
    result = outcome(code in (0, SKIPPED), log.read_text())
    result.skipped = code == SKIPPED
    return result


def main() -> int:
    extras = declared_extras()
    known = ["bare", *extras, *(s for s in smoke_scripts() if s not in extras and s != "bare")]
    parser = argparse.ArgumentParser(prog="python -m tests.lanes", description=__doc__)
    parser.add_argument("lanes", nargs="*", metavar="LANE", help=f"default: {' '.join(known)}")
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="lanes run at once (default %(default)s)",
    )
    args = parser.parse_args()
    lanes = args.lanes or known
    began = time.monotonic()
    wheel = build_wheel()
    house = fill_wheelhouse(wheel, [e for e in extras if e in lanes])
    print(
        f"lanes: {wheel.name} and its wheelhouse in {time.monotonic() - began:.0f} s", flush=True
    )
    failed = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for result in pool.map(lambda lane: run_lane(lane, wheel, house, extras), lanes):
            verdict = "passed" if result.passed else "FAILED"
            if result.skipped:
                verdict = result.detail.strip().splitlines()[-1].replace("LANE SKIPPED", "skipped")
            print(f"lanes: {result.lane:10} {verdict} in {result.seconds:.0f} s", flush=True)
            if not result.passed:
                failed.append(result)
    for result in failed:
        print(f"\n==== lane {result.lane} ({WORK / result.lane / 'lane.log'}) ====")
        print(result.detail[-6000:])
    print(
        f"lanes: {len(lanes) - len(failed)}/{len(lanes)} passed in "
        f"{time.monotonic() - began:.0f} s",
        flush=True,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
