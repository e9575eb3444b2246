"""Progress of long imports and exports: a bar on a terminal, plain periodic lines in logs."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest

from partnerships.services.progress import Progress, duration


class Terminal(StringIO):
    """A stream that says it is a terminal, as sys.stderr does in an interactive shell."""

    def isatty(self) -> bool:
        return True


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def frames(terminal: Terminal) -> list[str]:
    """The successive states of a redrawn line, without the padding over the previous one."""
    return [frame.rstrip() for frame in terminal.getvalue().split("\r") if frame.strip()]


def test_a_log_gets_a_line_per_tenth_and_a_last_line_with_the_time_it_took() -> None:
    log, clock = StringIO(), Clock()
    progress = Progress(log, 20, "Importing mme", clock=clock)
    for done in range(1, 21):
        clock.now += 0.5
        progress.update(done)
    clock.now += 1.0  # the work after the last row (settling the records) counts in the time taken
    progress.close()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert len(lines) == 10  # 10% … 90%, then the last line; not one line per row
    assert lines[0] == "Importing mme: 2/20 rows (10%), 2 rows/s, 0:09 left"
    assert lines[4] == "Importing mme: 10/20 rows (50%), 2 rows/s, 0:05 left"
    assert lines[-1] == "Importing mme: 20/20 rows (100%) in 11.0 s, 2 rows/s"


def test_a_slow_job_in_a_log_gets_a_line_every_few_seconds_within_a_tenth() -> None:
    log, clock = StringIO(), Clock()
    progress = Progress(log, 10_000, "Importing atop", every=10.0, clock=clock)
    for done in range(1, 26):
        clock.now += 1.0
        progress.update(done)
    lines = log.getvalue().splitlines()
    assert lines == [
        "Importing atop: 10/10,000 rows (0%), 1 rows/s, 2:46:30 left",
        "Importing atop: 20/10,000 rows (0%), 1 rows/s, 2:46:20 left",
    ]


def test_a_terminal_gets_one_line_redrawn_with_a_bar_the_rate_and_the_time_left() -> None:
    terminal, clock = Terminal(), Clock()
    progress = Progress(terminal, 20, "Importing mme", redraw=0.2, clock=clock)
    for done in range(1, 21):
        clock.now += 0.1
        progress.update(done)
    progress.close()
    shown = frames(terminal)
    assert "\n" not in terminal.getvalue()[:-1]  # one line, redrawn in place, ended once
    assert terminal.getvalue().endswith("\n")
    # At most one redraw per 0.2 s (the first, then every other row), and the last row drawn.
    assert 10 <= len(shown) <= 12
    assert shown[4] == "Importing mme [###########--------------]  45% 9/20 rows, 10 rows/s, 0:01 left"
    assert shown[-1] == "Importing mme [#########################] 100% 20/20 rows, 10 rows/s"


def test_a_shorter_line_on_a_terminal_covers_the_longer_one_before_it() -> None:
    terminal, clock = Terminal(), Clock()
    progress = Progress(terminal, 1000, "Importing mme", redraw=0, clock=clock)
    clock.now += 1000
    progress.update(1)  # 0 rows/s, a long time left
    clock.now += 1
    progress.update(999)
    first, second = terminal.getvalue().split("\r")[1:]
    assert len(second) >= len(first)


def test_an_unknown_total_shows_the_count_and_the_rate_only() -> None:
    log, terminal, clock = StringIO(), Terminal(), Clock()
    for stream in (log, terminal):
        progress = Progress(stream, None, "Exporting dyads", every=5.0, redraw=0, clock=clock)
        for done in range(1, 11):
            clock.now += 1.0
            progress.update(done * 100)
        progress.close()
    assert log.getvalue().splitlines() == [
        "Exporting dyads: 500 rows, 100 rows/s",
        "Exporting dyads: 1,000 rows, 100 rows/s",
        "Exporting dyads: 1,000 rows in 10.0 s, 100 rows/s",
    ]
    assert frames(terminal)[-1] == "Exporting dyads 1,000 rows, 100 rows/s"
    assert "%" not in terminal.getvalue()


def test_progress_measured_in_years_shows_the_rows_and_their_rate() -> None:
    log, clock = StringIO(), Clock()
    progress = Progress(log, 4, "Exporting dyads", unit="years", clock=clock)
    clock.now += 2.0
    progress.update(1, rows=500)
    clock.now += 6.0
    progress.update(4, rows=4000)
    progress.close()
    assert log.getvalue().splitlines() == [
        "Exporting dyads: 1/4 years, 500 rows (25%), 250 rows/s, 0:06 left",
        "Exporting dyads: 4/4 years, 4,000 rows (100%) in 8.0 s, 500 rows/s",
    ]


def test_sections_share_one_display_and_a_log_says_when_each_ends() -> None:
    log, terminal, clock = StringIO(), Terminal(), Clock()
    for stream in (log, terminal):
        whole = Progress(stream, 30, "Loading datasets", redraw=0, clock=clock)
        for label, total in (("countries", 10), ("mme", 20)):
            part = whole.section(label, total)
            for done in range(1, total + 1):
                clock.now += 1.0
                part.update(done)
            part.close()
        whole.close()
    lines = log.getvalue().splitlines()
    assert lines[0] == "Loading datasets (countries): 3/30 rows (10%), 1 rows/s, 0:27 left"
    assert "Loading datasets (countries): 10 rows in 10.0 s" in lines
    assert "Loading datasets (mme): 12/30 rows (40%), 1 rows/s, 0:18 left" in lines
    assert "Loading datasets (mme): 20 rows in 20.0 s" in lines
    assert lines[-1] == "Loading datasets: 30/30 rows (100%) in 30.0 s, 1 rows/s"
    shown = frames(terminal)
    assert (
        shown[0]
        == "Loading datasets (countries) [-------------------------]   0% 0/30 rows, … rows/s, time left unknown"
    )
    assert "Loading datasets (mme) [##############-----------]  56% 17/30 rows, 1 rows/s, 0:13 left" in shown
    assert shown[-1] == "Loading datasets [#########################] 100% 30/30 rows, 1 rows/s"


def test_no_stream_shows_nothing_and_an_unfinished_job_says_where_it_stopped() -> None:
    quiet = Progress(None, 10, "Importing mme")
    quiet.update(5)
    quiet.close()
    log, clock = StringIO(), Clock()
    progress = Progress(log, 10, "Importing mme", clock=clock)
    clock.now += 2.0
    progress.update(3)
    progress.close()
    assert log.getvalue().splitlines()[-1] == "Importing mme: stopped at 3/10 rows (30%) in 2.0 s, 2 rows/s"


@pytest.mark.parametrize(("seconds", "shown"), [(0, "0:00"), (6.4, "0:06"), (760, "12:40"), (3723, "1:02:03")])
def test_durations_read_as_a_clock(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown


@pytest.mark.django_db
def test_record_and_dyad_exports_show_their_progress_on_standard_error(tmp_path: Path, capsys) -> None:
    import datetime

    from django.core.management import call_command

    from tests.factories import NationFactory, bilateral_agreement

    a, b = NationFactory(), NationFactory()
    NationFactory()
    bilateral_agreement(a, b, signed_on=datetime.date(2000, 1, 1), in_force_from=datetime.date(2000, 1, 1))
    call_command("export_data", "records", "--type", "nations", "--output", str(tmp_path / "n.csv"), stderr=StringIO())
    err = capsys.readouterr().err
    assert re.search(r"^Exporting nations: 3/3 rows \(100%\) in [\d.]+ s, [\d,]+ rows/s$", err, re.M), err
    call_command(
        "export_data", "dyads", "--from", "2000", "--to", "2003", "--output", str(tmp_path / "d.csv"), stderr=StringIO()
    )
    err = capsys.readouterr().err
    assert re.search(r"^Exporting dyads: 4/4 years, 4 rows \(100%\) in [\d.]+ s, [\d,]+ rows/s$", err, re.M), err


@pytest.mark.django_db
def test_a_data_package_export_and_load_show_their_progress_resource_by_resource(tmp_path: Path, capsys) -> None:
    import datetime

    from django.core.management import call_command

    from partnerships.models import Agreement, AgreementParty, Nation
    from tests.factories import NationFactory, bilateral_agreement

    a, b = NationFactory(), NationFactory()
    bilateral_agreement(a, b, signed_on=datetime.date(2000, 1, 1), in_force_from=datetime.date(2000, 1, 1))
    call_command("export_data", "package", str(tmp_path / "package"), stdout=StringIO())
    err = capsys.readouterr().err
    assert re.search(r"^Exporting the data package \(nations\): 2 rows in [\d.]+ s$", err, re.M), err
    assert re.search(r"^Exporting the data package \(agreement-parties\): 2 rows in [\d.]+ s$", err, re.M), err
    assert re.search(r"^Exporting the data package: \d+/\d+ rows \(100%\) in [\d.]+ s", err, re.M), err

    # Loaded into an empty registry: the same display, the package's own row counts.
    AgreementParty.objects.all().delete()
    Agreement.objects.all().delete()
    Nation.objects.all().delete()
    call_command("import_data", "package", str(tmp_path / "package"), stdout=StringIO())
    err = capsys.readouterr().err
    assert re.search(r"^Loading the data package \(agreements\): 1 rows in [\d.]+ s$", err, re.M), err
    assert re.search(r"^Loading the data package: \d+/\d+ rows \(100%\) in [\d.]+ s", err, re.M), err
