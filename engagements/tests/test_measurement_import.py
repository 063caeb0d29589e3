"""Importing KPI values from CSV: all rows or none, every error with its line."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagements.models import Measurement
from engagements.tests.factories import EngagementFactory, KpiFactory, MeasurementFactory

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def engagement(manager: Any) -> Any:
    return EngagementFactory(owner=manager)


@pytest.fixture
def uptime(engagement: Any) -> Any:
    return KpiFactory(engagement=engagement, name="Uptime")


@pytest.fixture
def wait(engagement: Any) -> Any:
    return KpiFactory(engagement=engagement, name="Wait time", lower_is_better=True)


def url(engagement: Any) -> str:
    return reverse("engagements:measurement_import", args=[engagement.pk])


def upload(text: str | bytes, name: str = "values.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, "text/csv")


def post(client: Any, engagement: Any, text: str | bytes, **extra: Any) -> Any:
    return client.post(url(engagement), {"file": upload(text), **extra})


def errors_of(response: Any) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.message) for e in response.context["report"].errors]


# --- the happy paths --------------------------------------------------------------


def test_values_are_saved_as_entered_by_the_importer_from_csv(
    client: Any, manager: Any, engagement: Any, uptime: Any, wait: Any
) -> None:
    client.force_login(manager)
    response = post(
        client,
        engagement,
        "kpi,date,value,note\n"
        "uptime,2026-06-01,99.5,after the upgrade\n"
        "Wait time,2026-06-01,3,\n"
        "Uptime,2026-06-02,97,\n",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:engagement_kpis", args=[engagement.pk])
    saved = Measurement.objects.order_by("kpi__name", "measured_on")
    assert [(m.kpi.name, m.measured_on.isoformat(), m.value, m.note) for m in saved] == [
        ("Uptime", "2026-06-01", Decimal("99.5"), "after the upgrade"),
        ("Uptime", "2026-06-02", Decimal("97"), ""),
        ("Wait time", "2026-06-01", Decimal("3"), ""),
    ]
    assert {(m.source, m.entered_by) for m in saved} == {(Measurement.Source.CSV, manager)}
    assert {m.history.get().history_user for m in saved} == {manager}
    assert "Imported 3 values." in client.get(response["Location"]).content.decode()


def test_an_excel_file_with_semicolons_a_bom_and_decimal_commas_imports(
    client: Any, manager: Any, engagement: Any, uptime: Any
) -> None:
    client.force_login(manager)
    text = '\ufeffKPI;Date;Value;Note\r\nUptime;2026-06-01;99,25;"a; b"\r\n'
    response = post(client, engagement, text.encode())
    assert response.status_code == 302
    measurement = Measurement.objects.get()
    assert (measurement.value, measurement.note) == (Decimal("99.25"), "a; b")


def test_rows_with_neither_value_nor_note_are_skipped(
    client: Any, manager: Any, engagement: Any, uptime: Any, wait: Any
) -> None:
    client.force_login(manager)
    response = post(
        client, engagement, "kpi,date,value,note\nUptime,2026-06-01,99,\nWait time,2026-06-01,,\n"
    )
    assert response.status_code == 302
    assert Measurement.objects.count() == 1


def test_a_file_with_only_blank_values_says_there_is_nothing_to_import(
    client: Any, manager: Any, engagement: Any, uptime: Any
) -> None:
    client.force_login(manager)
    response = post(client, engagement, "kpi,date,value\nUptime,2026-06-01,\n")
    assert response.status_code == 200
    assert "nothing to import" in errors_of(response)[0][2]


def test_the_template_lists_the_active_kpis_and_imports_once_filled_in(
    client: Any, manager: Any, engagement: Any, uptime: Any
) -> None:
    KpiFactory(engagement=engagement, name="Retired", is_active=False)
    KpiFactory(engagement=engagement, name="=HYPERLINK(1)")
    client.force_login(manager)
    response = client.get(reverse("engagements:measurement_import_template", args=[engagement.pk]))
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == ["kpi,date,value,note", "'=HYPERLINK(1),2026-06-15,,", "Uptime,2026-06-15,,"]
    filled = "\n".join([lines[0], lines[1] + "", "Uptime,2026-06-15,98,"]).replace(
        "2026-06-15,,", "2026-06-15,5,"
    )
    assert post(client, engagement, filled).status_code == 302
    assert Measurement.objects.filter(kpi__name="=HYPERLINK(1)", value=5).exists()


# --- replacing what is there --------------------------------------------------------


def test_a_value_already_entered_is_an_error_unless_replace_is_ticked(
    client: Any, manager: Any, engagement: Any, uptime: Any, other_manager: Any
) -> None:
    with time_machine.travel(datetime.datetime(2026, 6, 2, tzinfo=datetime.UTC), tick=False):
        old = MeasurementFactory(
            kpi=uptime, measured_on=datetime.date(2026, 6, 1), value=90, entered_by=other_manager
        )
    client.force_login(manager)
    text = "kpi,date,value\nUptime,2026-06-01,99\nUptime,2026-06-02,98\n"
    refused = post(client, engagement, text)
    assert refused.status_code == 200
    assert errors_of(refused) == [
        (
            2,
            "date",
            "Uptime already has a value for this day (90). Tick “Replace values already "
            "entered for the same day” to replace it.",
        )
    ]
    assert Measurement.objects.count() == 1

    replaced = post(client, engagement, text, replace="on")
    assert replaced.status_code == 302
    old.refresh_from_db()
    assert (old.value, old.source, old.entered_by) == (
        Decimal("99"),
        Measurement.Source.CSV,
        manager,
    )
    assert old.updated_at > old.created_at
    assert [h.value for h in old.history.order_by("history_date")] == [Decimal("90"), 99]
    assert Measurement.objects.count() == 2
    assert "Imported 1 value and replaced 1." in client.get(replaced["Location"]).content.decode()


# --- errors, each with its line -------------------------------------------------------


def test_every_error_is_listed_with_its_line_and_nothing_is_written(
    client: Any, manager: Any, engagement: Any, uptime: Any, wait: Any
) -> None:
    KpiFactory(engagement=engagement, name="Retired", is_active=False)
    KpiFactory(name="Other engagement's KPI")
    client.force_login(manager)
    response = post(
        client,
        engagement,
        "kpi,date,value,note\n"
        "Uptime,2026-06-01,99,fine\n"  # 2
        "Nope,2026-06-01,1,\n"  # 3
        "Retired,2026-06-01,1,\n"  # 4
        "Other engagement's KPI,2026-06-01,1,\n"  # 5
        "Uptime,01/06/2026,1,\n"  # 6
        "Uptime,2026-02-30,1,\n"  # 7
        "Uptime,2026-07-01,1,\n"  # 8: future
        "Uptime,2026-06-03,NaN,\n"  # 9
        "Uptime,2026-06-04,1e309,\n"  # 10
        "Uptime,2026-06-05,1.23456,\n"  # 11
        "Wait time,2026-06-01,-1,\n"  # 12: may not be negative
        "Uptime,2026-06-01,98,\n"  # 13: repeats line 2
        f"Uptime,2026-06-06,1,{'n' * 301}\n"  # 14
        ",2026-06-07,1,\n"  # 15
        "Uptime,,1,\n"  # 16
        "Uptime,2026-06-08,1,000,x\n",  # 17: a comma inside a value shifts the columns
    )
    assert response.status_code == 200
    assert not Measurement.objects.exists()
    assert "Line 17 has 5 cells" in response.content.decode()

    response = post(
        client,
        engagement,
        "kpi,date,value,note\n"
        "Uptime,2026-06-01,99,fine\n"
        "Nope,2026-06-01,1,\n"
        "Retired,2026-06-01,1,\n"
        "Other engagement's KPI,2026-06-01,1,\n"
        "Uptime,01/06/2026,1,\n"
        "Uptime,2026-02-30,1,\n"
        "Uptime,2026-07-01,1,\n"
        "Uptime,2026-06-03,NaN,\n"
        "Uptime,2026-06-04,1e309,\n"
        "Uptime,2026-06-05,1.23456,\n"
        "Wait time,2026-06-01,-1,\n"
        "Uptime,2026-06-01,98,\n"
        f"Uptime,2026-06-06,1,{'n' * 301}\n"
        ",2026-06-07,1,\n"
        "Uptime,,1,\n",
    )
    assert response.status_code == 200
    assert not Measurement.objects.exists()
    found = {(line, column) for line, column, _ in errors_of(response)}
    assert found == {
        (3, "kpi"),
        (4, "kpi"),
        (5, "kpi"),
        (6, "date"),
        (7, "date"),
        (8, "date"),
        (9, "value"),
        (10, "value"),
        (11, "value"),
        (12, "value"),
        (13, "date"),
        (14, "note"),
        (15, "kpi"),
        (16, "date"),
    }
    messages = {(line, column): message for line, column, message in errors_of(response)}
    assert messages[(4, "kpi")].startswith("This KPI is inactive")
    assert messages[(5, "kpi")].startswith("This engagement has no active KPI of this name")
    assert messages[(6, "date")].startswith("Write the date as YYYY-MM-DD")
    assert messages[(8, "date")].startswith("This date is in the future")
    assert messages[(12, "value")] == "This KPI cannot be negative."
    assert messages[(13, "date")] == "Line 2 already has a value for this KPI and date."
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "14 problems on 14 of 15 rows" in html


def test_a_note_hiding_a_right_to_left_override_is_an_error_and_nothing_is_written(
    client: Any, manager: Any, engagement: Any, uptime: Any
) -> None:
    client.force_login(manager)
    response = post(
        client, engagement, "kpi,date,value,note\nUptime,2026-06-01,99,ok\u202egnp.exe\n"
    )
    assert response.status_code == 200
    [(line, column, message)] = errors_of(response)
    assert (line, column) == (2, "note")
    assert "invisible character (right-to-left override)" in message
    assert not Measurement.objects.exists()


def test_a_wrong_header_or_encoding_is_refused_before_any_row(
    client: Any, manager: Any, engagement: Any, uptime: Any
) -> None:
    client.force_login(manager)
    response = post(client, engagement, "kpi,day,value\nUptime,2026-06-01,1\n")
    assert "Missing required column: date" in response.content.decode()
    response = post(client, engagement, "kpi,date,value\nUptime,2026-06-01,1\n".encode("utf-16"))
    assert "UTF-16" in response.content.decode()
    assert not Measurement.objects.exists()


# --- who may ----------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client: Any, engagement: Any, uptime: Any) -> None:
    response = post(client, engagement, "kpi,date,value\nUptime,2026-06-01,1\n")
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "other_manager"])
def test_viewers_and_other_managers_may_not_import(
    client: Any, engagement: Any, uptime: Any, who: str, request: Any
) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(engagement)).status_code == 403
    assert post(client, engagement, "kpi,date,value\nUptime,2026-06-01,1\n").status_code == 403
    template = reverse("engagements:measurement_import_template", args=[engagement.pk])
    assert client.get(template).status_code == 403
    assert not Measurement.objects.exists()


def test_the_kpis_tab_links_to_the_import_for_those_who_may_change(
    client: Any, manager: Any, viewer: Any, engagement: Any, uptime: Any
) -> None:
    tab = reverse("engagements:engagement_kpis", args=[engagement.pk])
    client.force_login(manager)
    assert url(engagement) in client.get(tab).content.decode()
    client.force_login(viewer)
    assert url(engagement) not in client.get(tab).content.decode()


# --- cost -------------------------------------------------------------------------


# Reads are one per table whatever the size; on SQLite the bulk update of 100 replaced
# values is split in two batches (999 parameters), on PostgreSQL it is one statement.
@pytest.mark.parametrize(("size", "limit"), [(10, 14), (200, 16)])
def test_the_import_costs_a_fixed_number_of_queries(
    client: Any,
    manager: Any,
    engagement: Any,
    uptime: Any,
    size: int,
    limit: int,
    django_assert_max_num_queries: Any,
) -> None:
    # Half the rows replace values already there, so both writes are walked.
    start = TODAY - datetime.timedelta(days=size)
    for n in range(0, size, 2):
        MeasurementFactory(kpi=uptime, measured_on=start + datetime.timedelta(days=n))
    rows = "".join(
        f"Uptime,{(start + datetime.timedelta(days=n)).isoformat()},{n}\n" for n in range(size)
    )
    client.force_login(manager)
    with django_assert_max_num_queries(limit):
        response = post(client, engagement, "kpi,date,value\n" + rows, replace="on")
    assert response.status_code == 302
    assert Measurement.objects.filter(source=Measurement.Source.CSV).count() == size
