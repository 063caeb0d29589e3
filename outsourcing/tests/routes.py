"""The world every route is tried against and the walk of the URLconf, shared by the
tests that go through every page: who may use it (test_routes_by_role) and whether an
edit form loses a concurrent change (test_lost_updates)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from engagements.tests.factories import (
    BASE_DATE,
    ActionItemFactory,
    AmendmentFactory,
    AssessmentFactory,
    CandidateFactory,
    CheckInFactory,
    CommunicationPlanFactory,
    ComplianceItemFactory,
    ContractFactory,
    CriterionFactory,
    DataAccessGrantFactory,
    EngagementFactory,
    EvaluatorFactory,
    EvidenceFactory,
    KpiFactory,
    MeasurementFactory,
    MilestoneFactory,
    OffboardingItemFactory,
    PerformanceReviewFactory,
    ProposalAttachmentFactory,
    ProposalFactory,
    RiskFactory,
    SelectionFactory,
    ServiceCreditFactory,
    SpendEntryFactory,
)
from vendors.tests.factories import (
    CertificationFactory,
    ContactFactory,
    SubProcessorFactory,
    VendorFactory,
)

# Routes this test does not walk, and why.
EXCLUDED_NAMESPACES = {
    "admin": "the Django admin has its own permission system (is_staff + model permissions)",
}

# --- what each role gets --------------------------------------------------------

LOGIN = "login"  # a redirect to the login page
OK = 200
FORBIDDEN = 403
NOT_ALLOWED = 405  # the method is refused before any permission question
REDIRECT = 302
# An allowed POST with an empty body: done (200/302) or a form error (200/400).
CHANGES = "changes"

# The evaluator is a viewer invited to the world's selection; the admin has the Admin
# group (not a superuser); the owner is a manager owning every object in the world.
ROLES = ("anonymous", "viewer", "other_manager", "evaluator", "owner", "admin")

Expect = int | str
Policy = dict[str, dict[str, Expect]]


def by_role(
    *,
    anonymous: Expect = LOGIN,
    viewer: Expect,
    other_manager: Expect,
    evaluator: Expect,
    owner: Expect,
    admin: Expect,
) -> dict[str, Expect]:
    return {
        "anonymous": anonymous,
        "viewer": viewer,
        "other_manager": other_manager,
        "evaluator": evaluator,
        "owner": owner,
        "admin": admin,
    }


def everyone_signed_in(result: Expect, *, anonymous: Expect = LOGIN) -> dict[str, Expect]:
    return by_role(
        anonymous=anonymous,
        viewer=result,
        other_manager=result,
        evaluator=result,
        owner=result,
        admin=result,
    )


def owner_and_admin(allowed: Expect, refused: Expect = FORBIDDEN) -> dict[str, Expect]:
    return by_role(
        viewer=refused, other_manager=refused, evaluator=refused, owner=allowed, admin=allowed
    )


def managers(allowed: Expect) -> dict[str, Expect]:
    """Anything a manager may create: every manager and admin, not a viewer."""
    return by_role(
        viewer=FORBIDDEN,
        other_manager=allowed,
        evaluator=FORBIDDEN,
        owner=allowed,
        admin=allowed,
    )


# Read for every role, GET only (POST refused by method).
READ_ONLY: Policy = {"GET": everyone_signed_in(OK), "POST": everyone_signed_in(NOT_ALLOWED)}
# Read for every role; change (POST) for the owner and admins only.
OWNER_CHANGES: Policy = {"GET": everyone_signed_in(OK), "POST": owner_and_admin(CHANGES)}
# A form page of the owner and admins only: the form itself is refused to the others.
OWNER_FORM: Policy = {"GET": owner_and_admin(OK), "POST": owner_and_admin(CHANGES)}
# A POST-only action of the owner and admins.
OWNER_ACTION: Policy = {
    "GET": everyone_signed_in(NOT_ALLOWED),
    "POST": owner_and_admin(CHANGES),
}
# A creation form every manager may use.
MANAGER_FORM: Policy = {"GET": managers(OK), "POST": managers(CHANGES)}
# A POST-only action every manager may use (the creation form's htmx parts).
MANAGER_ACTION: Policy = {"GET": everyone_signed_in(NOT_ALLOWED), "POST": managers(CHANGES)}
# A file download: GET for every role, nothing to POST.
DOWNLOAD: Policy = READ_ONLY
# Only an invited evaluator scores: not the selection's owner, not an admin.
EVALUATOR_ONLY: Policy = {
    "GET": by_role(
        viewer=FORBIDDEN, other_manager=FORBIDDEN, evaluator=OK, owner=FORBIDDEN, admin=FORBIDDEN
    ),
    "POST": by_role(
        viewer=FORBIDDEN,
        other_manager=FORBIDDEN,
        evaluator=CHANGES,
        owner=FORBIDDEN,
        admin=FORBIDDEN,
    ),
}

# A page every signed-in role reads, with no method guard: a POST shows it again
# and changes nothing.
READ_ANY_METHOD: Policy = {"GET": everyone_signed_in(OK), "POST": everyone_signed_in(OK)}
# The user's own settings (password, reminders): every signed-in role, for themselves.
OWN_ACCOUNT: Policy = {"GET": everyone_signed_in(OK), "POST": everyone_signed_in(CHANGES)}

# A type-ahead search (outsourcing/typeahead.py): every role reads; asked without naming
# the field it fills in, it answers 400.
SEARCH: Policy = {"GET": everyone_signed_in(400), "POST": everyone_signed_in(NOT_ALLOWED)}

POLICY: dict[str, Policy] = {
    # --- project ---
    "health": {
        "GET": everyone_signed_in(OK, anonymous=OK),
        "POST": everyone_signed_in(OK, anonymous=OK),
    },
    # A POST with no credentials shows the form again, to anyone.
    "login": {
        "GET": everyone_signed_in(OK, anonymous=OK),
        "POST": everyone_signed_in(OK, anonymous=OK),
    },
    # Django 5 logs out by POST only; afterwards it sends everyone to the login page.
    "logout": {
        "GET": everyone_signed_in(NOT_ALLOWED, anonymous=NOT_ALLOWED),
        "POST": everyone_signed_in(LOGIN),
    },
    "home": {"GET": everyone_signed_in(REDIRECT), "POST": everyone_signed_in(REDIRECT)},
    "people_search": SEARCH,
    "password_change": OWN_ACCOUNT,
    "password_change_done": READ_ONLY,
    "engagements:reminder_preferences": OWN_ACCOUNT,
    # --- dashboard and worklists ---
    "engagements:dashboard": READ_ONLY,
    "engagements:worklist_checkins": READ_ONLY,
    "engagements:worklist_kpis": READ_ONLY,
    "engagements:worklist_credits": READ_ONLY,
    "engagements:worklist_reviews": READ_ONLY,
    "engagements:worklist_risks": READ_ONLY,
    "engagements:worklist_evidence": READ_ONLY,
    "engagements:worklist_actions": READ_ONLY,
    "engagements:worklist_notices": READ_ONLY,
    "engagements:worklist_risk_reviews": READ_ONLY,
    "engagements:worklist_spend": READ_ONLY,
    "engagements:renewals": READ_ONLY,
    # --- step 1: assessment ---
    "engagements:candidate_list": READ_ANY_METHOD,
    "engagements:candidate_detail": READ_ANY_METHOD,
    "engagements:candidate_create": MANAGER_FORM,
    "engagements:candidate_update": OWNER_FORM,
    "engagements:candidate_delete": OWNER_FORM,
    "engagements:candidate_assess": OWNER_FORM,
    "engagements:candidate_assess_preview": OWNER_ACTION,
    "engagements:candidate_decide": OWNER_FORM,
    # --- step 2: sourcing ---
    "engagements:selection_list": READ_ONLY,
    "engagements:selection_detail": READ_ONLY,
    "engagements:selection_create": MANAGER_FORM,
    "engagements:selection_update": OWNER_FORM,
    "engagements:shortlist": OWNER_FORM,
    "engagements:proposal_update": OWNER_FORM,
    "engagements:attachment_create": OWNER_ACTION,
    "engagements:attachment_download": DOWNLOAD,
    "engagements:criteria": OWNER_FORM,
    "engagements:evaluators": OWNER_FORM,
    "engagements:scoring": EVALUATOR_ONLY,
    "engagements:results": READ_ONLY,
    "engagements:award": OWNER_FORM,
    # --- step 3: communication ---
    "engagements:engagement_list": READ_ONLY,
    "engagements:engagement_search": SEARCH,
    "engagements:engagement_detail": READ_ONLY,
    # Read by every role; the owner and admins add and remove co-owners, admins hand over.
    "engagements:engagement_owners": OWNER_CHANGES,
    "engagements:engagement_terms": OWNER_FORM,
    "engagements:contract_edit": OWNER_FORM,
    # The signed contract: everyone who may read the engagement, nobody else.
    "engagements:contract_document": DOWNLOAD,
    "engagements:contract_history": READ_ONLY,
    "engagements:contract_notice": OWNER_FORM,
    "engagements:renewal_decision": OWNER_FORM,
    "engagements:amendment_create": OWNER_FORM,
    "engagements:amendment_document": DOWNLOAD,
    "engagements:engagement_communication": READ_ONLY,
    "engagements:communication_plan_edit": OWNER_FORM,
    "engagements:checkin_create": OWNER_FORM,
    "engagements:checkin_record": OWNER_FORM,
    "engagements:checkin_change": OWNER_FORM,
    # htmx: an empty row for the check-in form; without its count in the query, 400.
    "engagements:action_item_row": {
        "GET": owner_and_admin(400),
        "POST": everyone_signed_in(NOT_ALLOWED),
    },
    "engagements:action_item_done": OWNER_ACTION,
    "engagements:milestone_create": OWNER_FORM,
    "engagements:milestone_update": OWNER_FORM,
    "engagements:milestone_complete": OWNER_ACTION,
    "engagements:engagement_reviews": READ_ONLY,
    "engagements:review_create": OWNER_FORM,
    "engagements:review_decide": OWNER_FORM,
    # --- step 4: monitoring ---
    "engagements:engagement_kpis": READ_ONLY,
    "engagements:kpi_from_templates": OWNER_FORM,
    "engagements:kpi_create": OWNER_FORM,
    "engagements:kpi_detail": READ_ONLY,
    "engagements:kpi_update": OWNER_FORM,
    "engagements:engagement_credits": READ_ONLY,
    "engagements:credit_update": OWNER_FORM,
    "engagements:measurement_create": OWNER_FORM,
    "engagements:measurement_period": OWNER_FORM,
    "engagements:measurement_update": OWNER_FORM,
    "engagements:measurement_delete": OWNER_FORM,
    "engagements:measurement_import": OWNER_FORM,
    "engagements:measurement_import_template": {
        "GET": owner_and_admin(OK),
        "POST": everyone_signed_in(NOT_ALLOWED),
    },
    # --- step 5: risk and data access ---
    "engagements:engagement_spend": READ_ONLY,
    "engagements:spend_create": OWNER_FORM,
    "engagements:spend_import": OWNER_FORM,
    "engagements:spend_import_template": {
        "GET": owner_and_admin(OK),
        "POST": everyone_signed_in(NOT_ALLOWED),
    },
    "engagements:spend_update": OWNER_FORM,
    "engagements:spend_delete": OWNER_FORM,
    "engagements:engagement_risks": READ_ONLY,
    "engagements:risk_create": OWNER_FORM,
    "engagements:risk_update": OWNER_FORM,
    "engagements:risk_review": OWNER_ACTION,
    "engagements:risk_close": OWNER_ACTION,
    "engagements:engagement_access": OWNER_CHANGES,
    "engagements:grant_revoke": OWNER_ACTION,
    "engagements:risk_overview": READ_ONLY,
    "engagements:risk_export": READ_ONLY,
    # --- step 5: compliance ---
    "engagements:engagement_compliance": READ_ONLY,
    "engagements:compliance_add": OWNER_ACTION,
    "engagements:compliance_evidence_upload": OWNER_ACTION,
    "engagements:compliance_accept": OWNER_ACTION,
    "engagements:compliance_expiry": OWNER_ACTION,
    "engagements:compliance_evidence_download": DOWNLOAD,
    "engagements:compliance_matrix": READ_ONLY,
    "engagements:compliance_export": READ_ONLY,
    # --- leaving ---
    "engagements:engagement_offboarding": READ_ONLY,
    "engagements:offboarding_start": OWNER_ACTION,
    "engagements:offboarding_item_done": OWNER_ACTION,
    "engagements:offboarding_evidence": DOWNLOAD,
    "engagements:offboarding_close": OWNER_ACTION,
    "engagements:action_item_settle": OWNER_ACTION,
    "engagements:risk_settle": OWNER_ACTION,
    # --- vendors ---
    "vendors:vendor_list": READ_ANY_METHOD,
    "vendors:vendor_detail": READ_ANY_METHOD,
    "vendors:vendor_create": MANAGER_FORM,
    "vendors:vendor_create_tier": MANAGER_ACTION,
    "vendors:vendor_search": SEARCH,
    "vendors:vendor_import": MANAGER_FORM,
    "vendors:vendor_import_template": {
        "GET": managers(OK),
        "POST": everyone_signed_in(NOT_ALLOWED),
    },
    "vendors:vendor_update": OWNER_FORM,
    "vendors:vendor_update_tier": OWNER_ACTION,
    "vendors:vendor_status": OWNER_FORM,
    "vendors:contact_create": OWNER_FORM,
    "vendors:contact_update": OWNER_FORM,
    "vendors:contact_delete": OWNER_FORM,
    "vendors:certification_create": OWNER_FORM,
    "vendors:certification_update": OWNER_FORM,
    "vendors:certification_delete": OWNER_FORM,
    "vendors:certification_document": DOWNLOAD,
    "vendors:sub_processor_create": OWNER_FORM,
    "vendors:sub_processor_update": OWNER_FORM,
    "vendors:sub_processor_delete": OWNER_FORM,
}

# --- the world every route is tried against ---------------------------------------


@dataclass
class World:
    users: dict[str, Any]
    objects: dict[str, Any]


def build_world(users: dict[str, Any]) -> World:
    """Everything the routes' URLs point at, owned by users["owner"]."""
    manager = users["owner"]
    vendor = VendorFactory(owner=manager)
    engagement = EngagementFactory(owner=manager)
    contract = ContractFactory(
        engagement=engagement, document=ContentFile(b"%PDF-1.4 contract", name="msa.pdf")
    )
    CommunicationPlanFactory(engagement=engagement)
    checkin = CheckInFactory(engagement=engagement)
    kpi = KpiFactory(engagement=engagement)
    # A day that has happened, whatever the factory's sequence has reached.
    measurement = MeasurementFactory(kpi=kpi, measured_on=BASE_DATE)
    compliance_item = ComplianceItemFactory(engagement=engagement)
    candidate = CandidateFactory(owner=manager)
    AssessmentFactory(candidate=candidate)
    approved = CandidateFactory(owner=manager, approved=True)
    selection = SelectionFactory(candidate=approved, owner=manager)
    proposal = ProposalFactory(selection=selection, vendor=vendor)
    CriterionFactory(selection=selection)
    EvaluatorFactory(selection=selection, user=users["evaluator"], invited_by=manager)
    # Approved and without a selection yet, so the "start a selection" form shows.
    sourcing_candidate = CandidateFactory(owner=manager, approved=True)
    objects = {
        "vendor": vendor,
        "contact": ContactFactory(vendor=vendor),
        "certification": CertificationFactory(
            vendor=vendor, document=ContentFile(b"%PDF-1.4 cert", name="iso.pdf")
        ),
        "sub_processor": SubProcessorFactory(vendor=vendor),
        "engagement": engagement,
        "amendment": AmendmentFactory(
            contract=contract, document=ContentFile(b"%PDF-1.4 amendment", name="a1.pdf")
        ),
        "checkin": checkin,
        "action_item": ActionItemFactory(checkin=checkin),
        "milestone": MilestoneFactory(engagement=engagement),
        "review": PerformanceReviewFactory(engagement=engagement),
        "kpi": kpi,
        "measurement": measurement,
        "risk": RiskFactory(engagement=engagement),
        "spend_entry": SpendEntryFactory(engagement=engagement),
        "credit": ServiceCreditFactory(kpi=kpi, period_start=BASE_DATE.replace(day=1)),
        "grant": DataAccessGrantFactory(engagement=engagement),
        "compliance_item": compliance_item,
        "evidence": EvidenceFactory(item=compliance_item),
        "offboarding_item": OffboardingItemFactory(
            engagement=engagement,
            evidence=ContentFile(b"%PDF-1.4 deletion", name="deleted.pdf"),
            evidence_name="deleted.pdf",
        ),
        "candidate": candidate,
        "approved_candidate": approved,
        "sourcing_candidate": sourcing_candidate,
        "selection": selection,
        "proposal": proposal,
        "attachment": ProposalAttachmentFactory(proposal=proposal, uploaded_by=manager),
    }
    return World(users=users, objects=objects)


# A URL kwarg names an object in the world; where the name alone is ambiguous,
# the route name decides.
KWARG_OBJECTS = {
    "candidate_pk": "sourcing_candidate",
    "proposal_pk": "proposal",
    "attachment_pk": "attachment",
    "vendor_pk": "vendor",
    "checkin_pk": "checkin",
    "milestone_pk": "milestone",
    "amendment_pk": "amendment",
    "review_pk": "review",
    "kpi_pk": "kpi",
    "measurement_pk": "measurement",
    "risk_pk": "risk",
    "grant_pk": "grant",
    "evidence_pk": "evidence",
    "entry_pk": "spend_entry",
    "credit_pk": "credit",
}
ROUTE_KWARG_OBJECTS = {
    ("engagements:action_item_done", "item_pk"): "action_item",
    ("engagements:offboarding_item_done", "item_pk"): "offboarding_item",
    ("engagements:offboarding_evidence", "item_pk"): "offboarding_item",
    ("engagements:action_item_settle", "item_pk"): "action_item",
    ("engagements:compliance_evidence_upload", "item_pk"): "compliance_item",
    ("engagements:compliance_accept", "item_pk"): "compliance_item",
    ("engagements:compliance_expiry", "item_pk"): "compliance_item",
    ("vendors:contact_update", "pk"): "contact",
    ("vendors:contact_delete", "pk"): "contact",
    ("vendors:certification_update", "pk"): "certification",
    ("vendors:certification_delete", "pk"): "certification",
    ("vendors:certification_document", "pk"): "certification",
    ("vendors:sub_processor_update", "pk"): "sub_processor",
    ("vendors:sub_processor_delete", "pk"): "sub_processor",
}


def pk_object(route: str) -> str:
    """What `pk` means in a route: the object its URL starts from."""
    namespace, name = route.split(":")
    if namespace == "vendors":
        return "vendor"
    if name.startswith("candidate_"):
        return "candidate"
    if ROUTES[route].pattern.startswith("selections/"):
        return "selection"
    return "engagement"


def url_for(route: str, world: World) -> str:
    kwargs = {}
    for kwarg in ROUTES[route].kwargs:
        key = ROUTE_KWARG_OBJECTS.get((route, kwarg)) or KWARG_OBJECTS.get(kwarg)
        if key is None and kwarg == "pk":
            key = pk_object(route)
        assert key is not None, f"map URL kwarg {kwarg!r} of {route} to an object in World"
        kwargs[kwarg] = world.objects[key].pk
    return reverse(route, kwargs=kwargs)


# --- walking the resolver -----------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: tuple[str, ...]


def walk(
    patterns: list[Any], namespace: str = "", prefix: str = "", outer: tuple[str, ...] = ()
) -> Iterator[Route]:
    """Every named route, with the keyword arguments of its whole path (an include()'s
    prefix, such as engagements/<int:pk>/, names some of them)."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
            if (entry.namespace or "") in EXCLUDED_NAMESPACES:
                continue
            prefix_kwargs = tuple(getattr(entry.pattern, "converters", {}))
            yield from walk(
                entry.url_patterns, inner, prefix + str(entry.pattern), outer + prefix_kwargs
            )
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            if pattern.startswith(settings.STATIC_URL.lstrip("/")):
                continue  # static files: served by whitenoise/the web server, no view logic
            if entry.name is None:
                raise AssertionError(f"name the URL pattern {pattern!r} so POLICY can cover it")
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            converters = outer + tuple(getattr(entry.pattern, "converters", {}))
            yield Route(name=name, pattern=pattern, kwargs=converters)


ROUTES: dict[str, Route] = {route.name: route for route in walk(get_resolver().url_patterns)}
