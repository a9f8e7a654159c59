"""/_health: cheap to call often, and leaves nothing in the thumbnail folder."""

from pathlib import Path
from typing import Any, ClassVar

from django.core.files.storage import FileSystemStorage
from django.test import Client

from restthumbnails.serving.health import FAILING_FOR, HEALTHY_FOR, HealthCache


class CountingStorage(FileSystemStorage):
    """A filesystem storage that remembers every name it was asked about."""

    names: ClassVar[list[str]] = []

    def path(self, name: str) -> str:
        if name:
            CountingStorage.names.append(name)
        return super().path(name)

    def delete(self, name: str) -> None:
        CountingStorage.names.append(name)
        super().delete(name)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_hundred_health_checks_write_the_storage_once_and_leave_nothing(
    settings, thumbs: Path, monkeypatch
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "thumbnails": {
            "BACKEND": "tests.test_health.CountingStorage",
            "OPTIONS": {"location": str(thumbs)},
        },
    }
    CountingStorage.names = []
    # A clock that stands still: all 100 calls fall inside one window, however
    # slow the machine running the test.
    monkeypatch.setattr("restthumbnails.serving.health.RESULTS", HealthCache(FakeClock()))
    client = Client()
    for _ in range(100):
        response = client.get("/t/_health")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "storage": "ok", "lock": "ok"}
        assert response["Cache-Control"] == "no-store"
    probes = set(CountingStorage.names)
    assert len(probes) == 1, probes  # one probe file: written once, then deleted
    assert list(thumbs.iterdir()) == []  # no .health/ folder, no temp file


def test_a_passing_result_is_kept_five_seconds_a_failing_one_one() -> None:
    clock = FakeClock()
    results = HealthCache(clock)
    answers = iter([{"storage": "ok"}, {"storage": "not writable (OSError)"}, {"storage": "ok"}])
    probes: list[Any] = []

    def probe() -> dict[str, str]:
        probes.append(clock.now)
        return next(answers)

    assert (HEALTHY_FOR, FAILING_FOR) == (5.0, 1.0)
    assert results.get("k", probe) == {"storage": "ok"}
    clock.now += 4.9
    assert results.get("k", probe) == {"storage": "ok"}  # reused
    clock.now += 0.2
    assert results.get("k", probe) == {"storage": "not writable (OSError)"}  # probed again
    clock.now += 0.9
    assert results.get("k", probe) == {"storage": "not writable (OSError)"}  # reused
    clock.now += 0.2
    assert results.get("k", probe) == {"storage": "ok"}  # recovery seen after 1 s
    assert len(probes) == 3


def test_health_results_are_kept_per_storage_and_cache() -> None:
    results = HealthCache(FakeClock())
    assert results.get(("a", "default"), lambda: {"storage": "ok"}) == {"storage": "ok"}
    assert results.get(("b", "default"), lambda: {"storage": "no"}) == {"storage": "no"}
