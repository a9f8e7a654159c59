"""Progress: a redrawn bar on a terminal, periodic plain lines elsewhere."""

import io

from restthumbnails.lifecycle.progress import Progress, duration


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bar_on_a_terminal_with_rate_and_time_left() -> None:
    stream, clock = Terminal(), Clock()
    progress = Progress(stream, label="warm", total=100, clock=clock)
    clock.now += 10
    progress.advance(25)
    assert stream.getvalue().endswith(
        "\r\x1b[Kwarm [######------------------] 25/100 (25%), 2.5/s, 0:30 left"
    )
    progress.note("refused a.jpg: source not found")
    assert "\r\x1b[Krefused a.jpg: source not found\n\r\x1b[Kwarm [######" in stream.getvalue()
    clock.now += 30
    progress.advance(75)
    progress.close()
    assert stream.getvalue().endswith("100/100 (100%), 2.5/s\n")


def test_redraws_at_most_ten_times_a_second() -> None:
    stream, clock = Terminal(), Clock()
    progress = Progress(stream, label="clean", clock=clock)
    for _ in range(1000):
        progress.advance()
    assert stream.getvalue().count("\r") == 1
    clock.now += 0.2
    progress.advance()
    assert stream.getvalue().count("\r") == 2
    assert stream.getvalue().endswith("clean 1001, 5.0k/s")


def test_plain_lines_every_interval_when_not_a_terminal() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, label="warm", total=10, interval=5, clock=clock)
    progress.advance()
    assert stream.getvalue() == ""
    clock.now += 5
    progress.advance()
    clock.now += 1
    progress.advance()
    progress.close()
    assert stream.getvalue() == "warm: 2/10 (20%), 0.4/s, 0:20 left\n"


def test_disabled_progress_prints_only_notes() -> None:
    stream, clock = Terminal(), Clock()
    progress = Progress(stream, label="warm", total=3, enabled=False, clock=clock)
    clock.now += 60
    progress.advance(3)
    progress.note("refused x")
    progress.close()
    assert stream.getvalue() == "refused x\n"


def test_durations() -> None:
    assert [duration(s) for s in (7, 725, 10965)] == ["0:07", "12:05", "3:02:45"]
