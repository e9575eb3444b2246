"""Property tests: no file, however broken, crashes an importer or leaves part of itself behind.

Hypothesis feeds every importer arbitrary bytes and CSV files with the right
header but hostile cells (huge numbers, dates that do not exist, control
characters, quotes, wrong column counts). An importer may only answer with
its own clean refusal (ImportAborted, or a report of rejected rows); when it
writes nothing, the database is exactly as before.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerships.models import Indicator
from partnerships.services.importers import IMPORTERS, ImportAborted
from partnerships.services.surveys import ingest
from tests.factories import AssessmentFactory, IndicatorFactory

pytestmark = pytest.mark.django_db
PROPERTY = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
# The columns each single-file importer requires: a file with them gets past the header check to the rows.
HEADERS = {
    kind: list(importer.required_columns)
    for kind, importer in IMPORTERS.items()
    if getattr(importer, "required_columns", None) and kind not in ("atop", "records")
}
CELLS = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "-9", "0", "31", "2", "1e400", "NaN", "2020-02-30", "\x00", '"', "\r\n", "Ω", "=1+1"]),
    # Digits str.isdigit() accepts and int() refuses; a number too large for any column.
    st.sampled_from(["²", "1977", "٣", "9" * 30]),
)


def _state() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count() for model in apps.get_app_config("partnerships").get_models()
    }


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", errors="surrogatepass")


def _run(kind: str, path: Path, data: bytes) -> None:
    path.write_bytes(data)
    before = _state()
    try:
        report = IMPORTERS[kind]().run(path)
    except ImportAborted as exc:
        message = str(exc)
        assert message  # a message for people
        assert _state() == before
        return
    if not report.committed:
        assert report.rejected
        assert all(rejection.reasons for rejection in report.rejected)
        assert _state() == before


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_arbitrary_bytes_are_refused_cleanly(kind: str, tmp_path: Path) -> None:
    @PROPERTY
    @given(st.binary(max_size=600))
    def check(data: bytes) -> None:
        _run(kind, tmp_path / "input.csv", data)

    check()


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_hostile_cells_are_refused_row_by_row_or_imported_whole(kind: str, tmp_path: Path) -> None:
    header = HEADERS[kind]

    @PROPERTY
    @given(st.lists(st.lists(CELLS, min_size=len(header) - 2, max_size=len(header) + 2), min_size=1, max_size=6))
    def check(rows: list[list[str]]) -> None:
        _run(kind, tmp_path / "input.csv", _csv(header, rows))

    check()


# A valid row of the importers whose cells are numbers or years: each cell in turn is replaced below.
VALID_ROWS = {
    "countries": {
        "ISO3166-1-Alpha-3": "QZZ",
        "ISO3166-1-Alpha-2": "QZ",
        "ISO3166-1-numeric": "999",
        "CLDR display name": "Testland",
    },
    "sipri": dict(
        zip(
            HEADERS["sipri"],
            [
                "Chile",
                "United Kingdom",
                "2005",
                "(3)",
                "Type-23",
                "frigate",
                "2",
                "2006; 2007",
                "New",
                "",
                "10",
                "30",
                "20",
            ],
            strict=True,
        )
    ),
}


@pytest.mark.parametrize("kind", sorted(VALID_ROWS))
def test_a_digit_that_is_not_ascii_in_any_cell_is_a_row_error(kind: str, tmp_path: Path) -> None:
    from partnerships.services.nations import seed_nations

    seed_nations()
    header, valid = HEADERS[kind], VALID_ROWS[kind]
    rows = [[valid[column] for column in header]]  # the valid row first: it is imported
    for position in range(len(header)):
        rows.append(["²" if index == position else valid[name] for index, name in enumerate(header)])
    path = tmp_path / "input.csv"
    path.write_bytes(_csv(header, rows))
    report = IMPORTERS[kind]().run(path, skip_invalid=True, rejects_path=tmp_path / "rejects.csv")
    assert report.rows_read == len(rows)
    assert all(rejection.reasons for rejection in report.rejected)
    assert 2 not in {rejection.row for rejection in report.rejected}


def test_a_cell_longer_than_csv_reads_is_refused_with_its_row(tmp_path: Path) -> None:
    from partnerships.services.package_schema import csv_rows

    # A data package may hold longer cells; reading one first changes nothing for the importers.
    package_file = tmp_path / "values.csv"
    package_file.write_text("id,values\n1," + "x" * 200_000 + "\n", encoding="utf-8")
    assert len(list(csv_rows(package_file))[1][1]) == 200_000
    path = tmp_path / "input.csv"
    for kind, header in HEADERS.items():
        rows = [["1"] * len(header), ["1"] * (len(header) - 1) + ["x" * 200_000]]
        path.write_bytes(_csv(header, rows))
        with pytest.raises(ImportAborted, match="Row 3 cannot be read as CSV: field larger than field limit"):
            IMPORTERS[kind]().run(path)


def test_hostile_survey_files_are_refused_or_imported_whole(tmp_path: Path) -> None:
    IndicatorFactory(slug="interop", scale="likert_5")
    assessment = AssessmentFactory()
    path = tmp_path / "survey.csv"

    @PROPERTY
    @given(
        st.lists(
            st.tuples(st.text(max_size=6), st.sampled_from(["interop", "Interop", "nope", ""]), CELLS),
            min_size=1,
            max_size=8,
        )
    )
    def check(rows: list[tuple[str, str, str]]) -> None:
        path.write_bytes(_csv(["respondent", "question", "answer"], [list(row) for row in rows]))
        before = _state()
        try:
            report = ingest(assessment, path, targets={"interop": 4})
        except ImportAborted as exc:
            message = str(exc)
            assert message
            assert _state() == before
            return
        if not report.committed:
            assert report.rejected
            assert _state() == before

    check()
    assert Indicator.objects.filter(slug="interop").exists()
