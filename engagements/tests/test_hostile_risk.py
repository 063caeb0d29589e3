"""Hostile input to every form of step 5 (risks, data access, compliance), to offboarding,
and to the two CSV exports."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django import forms
from django.db import transaction
from django.urls import reverse
from hypothesis import assume, given
from hypothesis import strategies as st

from engagements.models import (
    ComplianceItem,
    DataAccessGrant,
    Engagement,
    Evidence,
    OffboardingItem,
    Risk,
)
from engagements.tests.factories import (
    ComplianceItemFactory,
    ComplianceRequirementFactory,
    DataAccessGrantFactory,
    EngagementFactory,
    EvidenceFactory,
    OffboardingItemFactory,
    RiskFactory,
)
from engagements.tests.worlds import EngagementWorld
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.hostile import (
    assert_escaped,
    check_get,
    check_post,
    form_data,
    hostile_choice,
    hostile_date,
    hostile_flag,
    hostile_number,
    hostile_text,
    hostile_upload,
    sign_in,
)
from vendors.tests.factories import SubProcessorFactory, VendorFactory

pytestmark = pytest.mark.hostile

RISK_WRITES = {"engagements_risk", "engagements_historicalrisk"}
GRANT_WRITES = {
    "engagements_dataaccessgrant",
    "engagements_historicaldataaccessgrant",
    "engagements_dataaccessgrant_sub_processors",
}
ITEM_WRITES = {"engagements_complianceitem", "engagements_historicalcomplianceitem"}
FAR_DATES = st.sampled_from(["9999-12-31", "0001-01-01", "1900-01-01", "2100-06-30"])


def any_date() -> st.SearchStrategy[str]:
    return st.one_of(hostile_date(), FAR_DATES)


def _date(raw: Any) -> datetime.date | None:
    """A date as Django's DateField cleans it."""
    return forms.DateField(required=False).clean(raw)


class World(EngagementWorld):
    """An engagement owned by the manager: two risks (one closed), a grant, compliance items
    with and without evidence, and another engagement's objects."""

    def __init__(self, owner: Any) -> None:
        super().__init__(owner, title="Payroll processing")
        self.risk = RiskFactory(engagement=self.engagement, title="Payroll data leak")
        self.closed_risk = RiskFactory(
            engagement=self.engagement, title="Old risk", status=Risk.Status.CLOSED
        )
        self.grant = DataAccessGrantFactory(
            engagement=self.engagement, system="HR system", granted_on=datetime.date(2025, 3, 1)
        )
        vendor = self.engagement.vendor
        self.sub_processors = {
            "@sub-a": SubProcessorFactory(vendor=vendor, name="Host <script>alert(1)</script>"),
            "@sub-b": SubProcessorFactory(vendor=vendor),
            "@foreign-sub": SubProcessorFactory(),  # another vendor's
        }
        self.requirement = ComplianceRequirementFactory(name="Hostile-test ISO 27001")
        self.default_requirement = ComplianceRequirementFactory(
            name="Hostile-test DPA", required_by_default=True
        )
        self.item = ComplianceItemFactory(
            engagement=self.engagement,
            requirement=ComplianceRequirementFactory(name="Hostile-test SOC 2"),
        )
        self.bare_item = ComplianceItemFactory(
            engagement=self.engagement,
            requirement=ComplianceRequirementFactory(name="Hostile-test pen test"),
        )
        EvidenceFactory(item=self.item)
        self.other = EngagementFactory(title="Someone else's engagement")
        self.foreign_risk = RiskFactory(engagement=self.other)
        self.foreign_item = ComplianceItemFactory(engagement=self.other)
        self.viewer = UserFactory(username="plain-viewer")


@pytest.fixture
def world(manager: Any, client: Any) -> World:
    sign_in(client, manager)
    return World(manager)


# --- risks ----------------------------------------------------------------------------

RISK_CHOICES = {
    "category": [c for c, _ in Risk.Category.choices],
    "status": [s for s, _ in Risk.Status.choices],
}


def _risk_valid(world: World) -> dict[str, Any]:
    return {
        "title": "Payslips emailed unencrypted",
        "category": "data_breach",
        "description": "",
        "likelihood": "4",
        "impact": "5",
        "mitigation": "Portal only.",
        "residual_likelihood": "2",
        "residual_impact": "4",
        "owner": str(world.owner.pk),
        "status": "open",
        "next_review_on": "",
    }


def _risk_hostile(world: World) -> dict[str, st.SearchStrategy[Any]]:
    score = st.one_of(hostile_number(), st.sampled_from(["0", "1", "5", "6", "-1", "32768"]))
    return {
        "title": hostile_text(),
        "category": hostile_choice(RISK_CHOICES["category"]),
        "description": hostile_text(),
        "likelihood": score,
        "impact": score,
        "mitigation": hostile_text(),
        "residual_likelihood": score,
        "residual_impact": score,
        "owner": hostile_choice([world.owner.pk, world.viewer.pk]),
        "status": hostile_choice(RISK_CHOICES["status"]),
        "next_review_on": any_date(),
    }


def _risk_holds(risk: Risk, data: dict[str, Any]) -> None:
    assert risk.title == data["title"].strip()
    assert risk.mitigation == data.get("mitigation", "").strip()
    assert 1 <= risk.residual_likelihood <= risk.likelihood <= 5
    assert 1 <= risk.residual_impact <= risk.impact <= 5
    assert risk.owner_id == int(data["owner"])
    typed = _date(data.get("next_review_on", ""))
    if typed is not None:
        assert risk.next_review_on == typed
    elif risk.status != Risk.Status.CLOSED:
        assert risk.next_review_on is not None


def test_risk_form_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:risk_create", args=[world.engagement.pk])
    assert client.post(url, _risk_valid(world)).status_code == 302
    _risk_holds(Risk.objects.get(title="Payslips emailed unencrypted"), _risk_valid(world))


@given(raw=st.data())
def test_risk_create_survives_hostile_input(raw: Any, world: World, client: Any) -> None:
    data = raw.draw(form_data(_risk_valid(world), _risk_hostile(world)))

    def saved(response: Any, data: dict[str, Any]) -> None:
        _risk_holds(
            Risk.objects.get(engagement=world.engagement, title=data["title"].strip()), data
        )

    check_post(
        client,
        reverse("engagements:risk_create", args=[world.engagement.pk]),
        data,
        writes=RISK_WRITES,
        then=saved,
    )


@given(raw=st.data())
def test_risk_update_survives_hostile_input(raw: Any, world: World, client: Any) -> None:
    data = raw.draw(form_data(_risk_valid(world), _risk_hostile(world)))

    def saved(response: Any, data: dict[str, Any]) -> None:
        _risk_holds(Risk.objects.get(pk=world.risk.pk), data)

    check_post(
        client,
        reverse("engagements:risk_update", args=[world.engagement.pk, world.risk.pk]),
        data,
        writes=RISK_WRITES,
        then=saved,
    )


ANY_BODY = st.dictionaries(st.sampled_from(["status", "next_review_on", "x"]), hostile_text())


@given(body=ANY_BODY, which=st.sampled_from(["risk", "closed_risk", "foreign_risk"]))
def test_risk_review_and_close_ignore_hostile_bodies(
    body: dict, which: str, world: World, client: Any
) -> None:
    risk = getattr(world, which)
    for name in ("risk_review", "risk_close"):
        url = reverse(f"engagements:{name}", args=[world.engagement.pk, risk.pk])
        if which == "foreign_risk":
            assert client.post(url, body).status_code == 404
            continue
        check_post(client, url, body, writes=RISK_WRITES)


# --- data access ----------------------------------------------------------------------


GRANT_VALID = {
    "system": "Payroll export share",
    "description": "Monthly files.",
    "classification": "confidential",
    "personal_data": "on",
    "access_level": "read",
    "granted_on": "2025-04-01",
    "revoked_on": "",
}


def test_grant_form_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:engagement_access", args=[world.engagement.pk])
    sub = world.sub_processors["@sub-a"]
    assert client.post(url, {**GRANT_VALID, "sub_processors": [sub.pk]}).status_code == 302
    grant = DataAccessGrant.objects.get(system="Payroll export share")
    assert list(grant.sub_processors.all()) == [sub]


# Ids no database key can hold, beside the placeholders of World.sub_processors.
OUT_OF_RANGE_IDS = ("9223372036854775808", "-9223372036854775809", "9" * 30)
SUB_PROCESSOR_CHOICES = st.lists(
    st.one_of(
        hostile_choice(["@sub-a", "@sub-b", "@foreign-sub"]), st.sampled_from(OUT_OF_RANGE_IDS)
    ),
    max_size=4,
)


@given(
    data=form_data(
        {**GRANT_VALID, "sub_processors": ["@sub-a"]},
        {
            "system": hostile_text(),
            "description": hostile_text(),
            "classification": hostile_choice(["public", "internal", "confidential", "restricted"]),
            "personal_data": hostile_flag(),
            "access_level": hostile_choice(["read", "write", "admin"]),
            "granted_on": any_date(),
            "revoked_on": any_date(),
            "sub_processors": SUB_PROCESSOR_CHOICES,
        },
    )
)
def test_grant_form_survives_hostile_input(data: dict, world: World, client: Any) -> None:
    ids = {name: str(sub.pk) for name, sub in world.sub_processors.items()}
    data = {
        name: [ids.get(v, v) for v in value] if name == "sub_processors" else value
        for name, value in data.items()
    }

    def saved(response: Any, data: dict[str, Any]) -> None:
        grant = DataAccessGrant.objects.get(
            engagement=world.engagement, system=data["system"].strip()
        )
        # Only the engagement vendor's own sub-processors are ever linked.
        linked = set(grant.sub_processors.values_list("vendor_id", flat=True))
        assert linked <= {world.engagement.vendor_id}
        assert {str(pk) for pk in grant.sub_processors.values_list("pk", flat=True)} == {
            str(v).strip() for v in data.get("sub_processors", [])
        }
        assert grant.granted_on == _date(data["granted_on"])
        assert grant.revoked_on == _date(data.get("revoked_on", ""))
        assert grant.revoked_on is None or grant.revoked_on >= grant.granted_on
        assert (grant.revoked_by is None) == (grant.revoked_on is None)

    check_post(
        client,
        reverse("engagements:engagement_access", args=[world.engagement.pk]),
        data,
        writes=GRANT_WRITES,
        then=saved,
    )


def test_revoke_form_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:grant_revoke", args=[world.engagement.pk, world.grant.pk])
    data = {f"revoke-{world.grant.pk}-revoked_on": "2025-06-30"}
    assert client.post(url, data).status_code == 302
    world.grant.refresh_from_db()
    assert world.grant.revoked_on == datetime.date(2025, 6, 30)


@given(revoked_on=st.one_of(any_date(), st.just("2025-02-28")), extra=ANY_BODY)
def test_revoke_form_survives_far_and_early_dates(
    revoked_on: str, extra: dict, world: World, client: Any
) -> None:
    def saved(response: Any, data: dict[str, Any]) -> None:
        grant = DataAccessGrant.objects.get(pk=world.grant.pk)
        typed = _date(revoked_on)
        assert typed is not None and grant.revoked_on == typed >= grant.granted_on

    check_post(
        client,
        reverse("engagements:grant_revoke", args=[world.engagement.pk, world.grant.pk]),
        {**extra, f"revoke-{world.grant.pk}-revoked_on": revoked_on},
        writes=GRANT_WRITES,
        then=saved,
    )


# --- the organisation-wide risk overview ----------------------------------------------


@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "category",
                "level",
                "owner",
                "vendor",
                "engagement_status",
                "above_appetite",
                "basis",
                "l",
                "i",
                "page",
            ]
        ),
        st.one_of(
            hostile_choice(["data_breach", "critical", "active", "inherent", "1", "5"]),
            hostile_number(),
            hostile_flag(),
        ),
    )
)
def test_risk_overview_filters_survive_hostile_query(
    params: dict, world: World, client: Any
) -> None:
    check_get(client, reverse("engagements:risk_overview"), params)
    with transaction.atomic():
        response = client.get(reverse("engagements:risk_export"), params)
        assert response.status_code == 200
        transaction.set_rollback(True)


# --- compliance -----------------------------------------------------------------------


def test_add_requirements_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:compliance_add", args=[world.engagement.pk])
    assert client.post(url, {"requirements": [world.requirement.pk]}).status_code == 302
    assert ComplianceItem.objects.filter(requirement=world.requirement).exists()


@given(
    picks=st.one_of(
        st.lists(st.sampled_from(["REQUIREMENT", "1", "2", "3", "4", "5", "6"]), min_size=1),
        st.lists(
            st.one_of(hostile_choice(), st.sampled_from(["REQUIREMENT", "TAKEN"])), max_size=4
        ),
    ),
    add_defaults=st.one_of(st.none(), hostile_flag()),
)
def test_add_requirements_survives_hostile_ids(
    picks: list[str], add_defaults: str | None, world: World, client: Any
) -> None:
    mapping = {"REQUIREMENT": world.requirement.pk, "TAKEN": world.item.requirement_id}
    ids = [str(mapping.get(value, value)) for value in picks]
    data: dict[str, Any] = {"requirements": ids}
    if add_defaults is not None:
        data["add_defaults"] = add_defaults

    def saved(response: Any, data: dict[str, Any]) -> None:
        items = ComplianceItem.objects.filter(engagement=world.engagement)
        assert items.count() == len({i.requirement_id for i in items})  # no requirement twice

    check_post(
        client,
        reverse("engagements:compliance_add", args=[world.engagement.pk]),
        data,
        writes=ITEM_WRITES,
        then=saved,
    )


EVIDENCE_WRITES = ITEM_WRITES | {"engagements_evidence"}


def test_evidence_form_valid_baseline_is_accepted(world: World, client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse(
        "engagements:compliance_evidence_upload", args=[world.engagement.pk, world.bare_item.pk]
    )
    upload = SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 ok", "application/pdf")
    response = client.post(url, {"file": upload, "note": "Signed", "expires_on": "2027-01-31"})
    assert response.status_code == 302
    assert Evidence.objects.get(item=world.bare_item).original_name == "certificate.pdf"


def _real_pdf(name: str) -> Any:
    """A real PDF under a hostile name, so that the save path sees hostile names too."""
    from django.core.exceptions import SuspiciousFileOperation
    from django.core.files.uploadedfile import SimpleUploadedFile

    try:
        return SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4 real", "application/pdf")
    except SuspiciousFileOperation:
        return SimpleUploadedFile("unnamed.pdf", b"%PDF-1.4 real", "application/pdf")


@given(
    upload=st.one_of(hostile_upload(), hostile_text(max_size=60).map(_real_pdf)),
    note=st.one_of(st.just("Signed copy"), hostile_text()),
    expires_on=st.one_of(st.just(""), any_date()),
)
def test_evidence_upload_survives_hostile_files(
    upload: Any, note: str, expires_on: str, world: World, client: Any
) -> None:
    def saved(response: Any, data: dict[str, Any]) -> None:
        evidence = Evidence.objects.get(item=world.bare_item)
        assert evidence.note == note.strip()
        assert evidence.original_name and len(evidence.original_name) <= 255
        assert not any(ord(c) < 32 for c in evidence.original_name)
        item = ComplianceItem.objects.get(pk=world.bare_item.pk)
        assert item.accepted_at is None
        if _date(expires_on):
            assert item.expires_on == _date(expires_on)

    check_post(
        client,
        reverse(
            "engagements:compliance_evidence_upload",
            args=[world.engagement.pk, world.bare_item.pk],
        ),
        {"file": upload, "note": note, "expires_on": expires_on},
        writes=EVIDENCE_WRITES,
        then=saved,
    )


@given(body=ANY_BODY, which=st.sampled_from(["item", "bare_item", "foreign_item"]))
def test_compliance_accept_ignores_hostile_bodies(
    body: dict, which: str, world: World, client: Any
) -> None:
    item = getattr(world, which)
    url = reverse("engagements:compliance_accept", args=[world.engagement.pk, item.pk])
    if which == "foreign_item":
        assert client.post(url, body).status_code == 404
        return
    check_post(client, url, body, writes=ITEM_WRITES)


def test_expiry_form_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:compliance_expiry", args=[world.engagement.pk, world.item.pk])
    assert client.post(url, {"expires_on": "2027-03-31"}).status_code == 302
    world.item.refresh_from_db()
    assert world.item.expires_on == datetime.date(2027, 3, 31)


@given(expires_on=any_date())
def test_expiry_form_survives_far_dates(expires_on: str, world: World, client: Any) -> None:
    def saved(response: Any, data: dict[str, Any]) -> None:
        assert ComplianceItem.objects.get(pk=world.item.pk).expires_on == _date(expires_on)

    check_post(
        client,
        reverse("engagements:compliance_expiry", args=[world.engagement.pk, world.item.pk]),
        {"expires_on": expires_on},
        writes=ITEM_WRITES,
        then=saved,
    )


@given(
    params=st.dictionaries(
        st.sampled_from(["scope", "vendor_status", "tier", "requirement", "status"]),
        st.one_of(
            hostile_choice(["live", "all", "active", "critical", "expired", "missing"]),
            hostile_number(),
        ),
    )
)
def test_compliance_matrix_filters_survive_hostile_query(
    params: dict, world: World, client: Any
) -> None:
    check_get(client, reverse("engagements:compliance_matrix"), params)
    with transaction.atomic():
        assert client.get(reverse("engagements:compliance_export"), params).status_code == 200
        transaction.set_rollback(True)


# --- offboarding ----------------------------------------------------------------------

OFFBOARDING_WRITES = {
    "engagements_offboardingitem",
    "engagements_engagement",
    "engagements_historicalengagement",
}


def test_start_offboarding_valid_baseline_is_accepted(world: World, client: Any) -> None:
    url = reverse("engagements:offboarding_start", args=[world.engagement.pk])
    response = client.post(url, {"outcome": "completed", "reason": "Contract ended."})
    assert response.status_code == 302
    world.engagement.refresh_from_db()
    assert world.engagement.status == Engagement.Status.OFFBOARDING


@given(
    data=form_data(
        {"outcome": "terminated", "reason": "Missed every target."},
        {
            "outcome": hostile_choice(["completed", "terminated", "in_house", "closed"]),
            "reason": hostile_text(),
        },
    )
)
def test_start_offboarding_survives_hostile_input(data: dict, world: World, client: Any) -> None:
    def saved(response: Any, data: dict[str, Any]) -> None:
        world.engagement.refresh_from_db()
        assert world.engagement.offboarding_outcome == data["outcome"]
        assert OffboardingItem.objects.filter(grant=world.grant).exists()

    check_post(
        client,
        reverse("engagements:offboarding_start", args=[world.engagement.pk]),
        data,
        writes=OFFBOARDING_WRITES,
        then=saved,
    )


@pytest.fixture
def offboarding(world: World) -> World:
    """The world's engagement being offboarded, with its checklist."""
    from engagements.services.offboarding import start_offboarding

    start_offboarding(
        engagement=world.engagement, outcome="completed", reason="Done.", by=world.owner
    )
    world.engagement.refresh_from_db()
    world.other_item = OffboardingItemFactory(engagement=world.other)  # type: ignore[attr-defined]
    return world


@given(body=ANY_BODY, pick=st.integers(min_value=0, max_value=20))
def test_offboarding_item_done_and_close_ignore_hostile_bodies(
    body: dict, pick: int, offboarding: World, client: Any
) -> None:
    world = offboarding
    items = list(OffboardingItem.objects.filter(engagement=world.engagement).order_by("pk"))
    item = items[pick % len(items)]
    writes = OFFBOARDING_WRITES | GRANT_WRITES | {"vendors_vendor", "vendors_historicalvendor"}
    writes |= {"vendors_vendorstatuschange"}
    check_post(
        client,
        reverse("engagements:offboarding_item_done", args=[world.engagement.pk, item.pk]),
        body,
        writes=writes,
    )
    foreign = reverse(
        "engagements:offboarding_item_done",
        args=[world.engagement.pk, world.other_item.pk],  # type: ignore[attr-defined]
    )
    assert client.post(foreign, body).status_code == 404
    check_post(
        client,
        reverse("engagements:offboarding_close", args=[world.engagement.pk]),
        body,
        writes=writes,
    )


# --- the CSV exports ------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def storable_text(max_size: int) -> st.SearchStrategy[str]:
    """Hostile text a form would let through to the database (no NUL, within the length)."""
    return (
        hostile_text(max_size=max_size)
        .map(lambda value: value.replace("\x00", "")[:max_size])
        .filter(lambda value: value.strip() != "")
    )


def _parse(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response).decode("utf-8") if response.streaming else response.content.decode()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _as_exported(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _guarded(rows: list[list[str]]) -> None:
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"formula not guarded: {cell!r:.80}"


@given(
    titles=st.lists(storable_text(200), min_size=1, max_size=4),
    vendor=storable_text(200),
    engagement=storable_text(200),
    owner=storable_text(150),
)
def test_risk_export_guards_formulas_and_parses_back(
    titles: list[str], vendor: str, engagement: str, owner: str, manager: Any, client: Any
) -> None:
    sign_in(client, manager)
    with transaction.atomic():
        person = UserFactory(username="hostile-owner", first_name=owner[:150], last_name="")
        eng = EngagementFactory(
            owner=person,
            title=engagement,
            vendor=VendorFactory(legal_name=vendor, website="https://vendor.example.com"),
        )
        for title in titles:
            RiskFactory(engagement=eng, title=title, owner=person)
        rows = _parse(client.get(reverse("engagements:risk_export")))
        assert len(rows) == 1 + len(titles)
        _guarded(rows)
        assert sorted(r[2] for r in rows[1:]) == sorted(map(_as_exported, titles))
        page = client.get(reverse("engagements:risk_overview"))
        assert page.status_code == 200
        assert_escaped(page.content.decode(), "the risk overview")
        transaction.set_rollback(True)


@given(
    names=st.lists(storable_text(150), min_size=1, max_size=3, unique_by=str.casefold),
    vendor=storable_text(200),
    engagement=storable_text(200),
)
def test_compliance_export_guards_formulas_and_parses_back(
    names: list[str], vendor: str, engagement: str, manager: Any, client: Any
) -> None:
    from engagements.models import ComplianceRequirement

    assume(not ComplianceRequirement.objects.filter(name__in=names).exists())
    sign_in(client, manager)
    with transaction.atomic():
        eng = EngagementFactory(
            owner=manager,
            title=engagement,
            vendor=VendorFactory(legal_name=vendor, website="https://vendor.example.com"),
        )
        for name in names:
            ComplianceItemFactory(
                engagement=eng, requirement=ComplianceRequirementFactory(name=name)
            )
        rows = _parse(client.get(reverse("engagements:compliance_export")))
        ours = [r for r in rows[1:] if r[1] == _as_exported(engagement)]
        assert len(ours) == len(names)
        assert (
            len(rows)
            == 1
            + ComplianceItem.objects.filter(engagement__status__in=Engagement.LIVE_STATUSES).count()
        )
        _guarded(rows)
        assert sorted(r[2] for r in ours) == sorted(map(_as_exported, names))
        page = client.get(reverse("engagements:compliance_matrix"))
        assert page.status_code == 200
        assert_escaped(page.content.decode(), "the compliance matrix")
        transaction.set_rollback(True)


# --- regressions found by the tests above ---------------------------------------------


def test_evidence_file_name_with_a_nul_is_stored_without_it(world: World, client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse(
        "engagements:compliance_evidence_upload", args=[world.engagement.pk, world.bare_item.pk]
    )
    upload = SimpleUploadedFile("cert\x00ificate\x1b.pdf", b"%PDF-1.4 ok", "application/pdf")
    assert client.post(url, {"file": upload}).status_code == 302
    assert Evidence.objects.get(item=world.bare_item).original_name == "certificate.pdf"


def test_offboarding_starts_when_a_grant_name_fills_its_column(world: World, client: Any) -> None:
    grant = DataAccessGrantFactory(engagement=world.engagement, system="S" * 200)
    url = reverse("engagements:offboarding_start", args=[world.engagement.pk])
    response = client.post(url, {"outcome": "completed", "reason": "Contract ended."})
    assert response.status_code == 302
    title = OffboardingItem.objects.get(grant=grant).title
    assert title.startswith("Revoke access to SSS") and len(title) == 200
