"""No edit form loses a concurrent change: every one is raced, as two people would.

Both open the form; the first saves a change; the second's save, from the form as it was
read, is refused with who changed what, and keeps what the second person typed; saving
that again is a knowing choice, and lands. Every route a role may change through is
declared below, either as an edit form (raced) or as something else, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import resolve, reverse

from engagements.models import Contract
from engagements.tests.factories import (
    ComplianceRequirementFactory,
    EngagementFactory,
    ReminderPreferenceFactory,
    RiskFactory,
)
from outsourcing.admin import VersionedAdmin, VersionedInline
from outsourcing.tests.factories import UserFactory
from outsourcing.tests.routes import (
    MANAGER_ACTION,
    MANAGER_FORM,
    POLICY,
    READ_ANY_METHOD,
    READ_ONLY,
    World,
    build_world,
    url_for,
)
from outsourcing.versions import version_of
from vendors.tests.factories import ContactFactory


@dataclass(frozen=True)
class EditForm:
    # The route whose page shows the form, when it is not the form's own (a tab's row).
    page: str | None = None
    # The route whose page shows what was saved, when the form's own page does not.
    shows: str | None = None
    # Whether saving the refused form again lands: not for a step someone already took.
    saves_again: bool = True
    # The field both people change; by default the form's first text box.
    field: str | None = None
    # Two values to type into it, when text with a suffix would not do (a date).
    values: tuple[str, str] | None = None
    # Other values the form needs before it saves.
    also: dict[str, str] | None = None
    # Choices the form needs before it saves (radio buttons and lists left unanswered):
    # the first of each.
    answer_choices: bool = False


EDIT_FORMS: dict[str, EditForm] = {
    "engagements:reminder_preferences": EditForm(field="digest_weekday", values=("0", "3")),
    "engagements:candidate_update": EditForm(),
    "engagements:candidate_assess": EditForm(field="notes", answer_choices=True),
    "engagements:selection_update": EditForm(),
    "engagements:proposal_update": EditForm(),
    "engagements:criteria": EditForm(field="criteria-0-name", also={"criteria-0-weight": "100"}),
    "engagements:engagement_terms": EditForm(),
    "engagements:contract_edit": EditForm(),
    # Every decision moves the contract's version on: two owners deciding at once.
    "engagements:renewal_decision": EditForm(
        field="note", also={"decision": "renegotiate"}, shows="engagements:engagement_detail"
    ),
    "engagements:communication_plan_edit": EditForm(),
    "engagements:checkin_record": EditForm(field="progress_summary", answer_choices=True),
    "engagements:milestone_update": EditForm(),
    "engagements:kpi_update": EditForm(),
    "engagements:measurement_update": EditForm(field="note"),
    "engagements:risk_update": EditForm(),
    "engagements:spend_update": EditForm(field="note"),
    "engagements:credit_update": EditForm(field="note"),
    "engagements:compliance_expiry": EditForm(
        page="engagements:engagement_compliance",
        field="expires_on",
        values=("2031-01-31", "2032-02-29"),
    ),
    "vendors:vendor_update": EditForm(),
    # Both move the vendor to the same status: once it is there, the form refuses it again.
    "vendors:vendor_status": EditForm(
        field="reason", answer_choices=True, shows="vendors:vendor_detail", saves_again=False
    ),
    "vendors:contact_update": EditForm(),
    "vendors:certification_update": EditForm(),
    "vendors:sub_processor_update": EditForm(),
}

# Routes a role may change something through that are not a form over a row's fields.
NOT_EDITS: dict[str, str] = {
    **dict.fromkeys(
        [
            "engagements:checkin_create",
            "engagements:milestone_create",
            "engagements:amendment_create",
            "engagements:review_create",
            "engagements:kpi_create",
            "engagements:kpi_from_templates",
            "engagements:measurement_create",
            "engagements:measurement_period",
            "engagements:measurement_import",
            "engagements:risk_create",
            "engagements:spend_create",
            "engagements:spend_import",
            "engagements:attachment_create",
            "engagements:compliance_add",
            "engagements:compliance_evidence_upload",
            "vendors:contact_create",
            "vendors:certification_create",
            "vendors:sub_processor_create",
        ],
        "adds new rows: nobody else can have changed them",
    ),
    **dict.fromkeys(
        [
            "engagements:candidate_delete",
            "engagements:measurement_delete",
            "engagements:spend_delete",
            "vendors:contact_delete",
            "vendors:certification_delete",
            "vendors:sub_processor_delete",
        ],
        "removes a row after a confirmation",
    ),
    **dict.fromkeys(
        [
            "engagements:candidate_decide",
            "engagements:review_decide",
            "engagements:checkin_change",
            "engagements:action_item_done",
            "engagements:action_item_settle",
            "engagements:milestone_complete",
            "engagements:risk_review",
            "engagements:risk_close",
            "engagements:risk_settle",
            "engagements:grant_revoke",
            "engagements:compliance_accept",
            "engagements:offboarding_start",
            "engagements:offboarding_item_done",
            "engagements:offboarding_close",
            "engagements:award",
            "engagements:shortlist",
            "engagements:evaluators",
            "engagements:engagement_owners",
            "engagements:engagement_access",
            "engagements:contract_notice",
        ],
        "a step from one state to the next, refused when the row has already moved on",
    ),
    "engagements:scoring": "each evaluator's own scores, which nobody else edits",
    "engagements:candidate_assess_preview": "htmx preview of the answers; saves nothing",
    "vendors:vendor_update_tier": "htmx suggestion of the tier; saves nothing",
    "password_change": "a person's own password, through Django's own form",
}


class Forms(HTMLParser):
    """The forms of a page: each one's action and the values it would post as shown."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._single = True
        self._textarea: str | None = None

    @property
    def _data(self) -> dict[str, list[str]]:
        return self.forms[-1]["data"]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "data": {}, "texts": [], "choices": {}}
            )
        elif not self.forms or "name" not in a and tag != "option":
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "reset"):
                return
            if kind == "radio":
                self.forms[-1]["choices"].setdefault(a["name"], a.get("value", "on"))
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._data.setdefault(a["name"], [])
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._data.setdefault(a["name"], []).append(a.get("value", default))
            if kind == "text" and "readonly" not in a:
                self.forms[-1]["texts"].append(a["name"])
        elif tag == "select":
            self._select = a["name"]
            self._first_option = None
            self._single = "multiple" not in a
            self._data.setdefault(a["name"], [])
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if a.get("value"):
                self.forms[-1]["choices"].setdefault(self._select, a["value"])
            if "selected" in a:
                self._data[self._select].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._data[a["name"]] = [""]
            self.forms[-1]["texts"].append(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            # A single choice with nothing selected: the browser sends the first option.
            if self._single and self._first_option is not None and not self._data[self._select]:
                self._data[self._select].append(self._first_option)
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._data[self._textarea][0] += (
                data.removeprefix("\n") if not self._data[self._textarea][0] else data
            )


def errors_in(response: Any) -> list[Any]:
    """The form errors a page shows, to say why a save was not taken."""
    found = []
    for name in ("form", "formset", "version", "levels", "items", "expiry_form"):
        form = response.context.get(name) if response.context else None
        errors = getattr(form, "errors", None)
        if errors:
            found.append((name, errors))
        non_form = getattr(form, "non_form_errors", None)
        if non_form and non_form():
            found.append((name, non_form()))
    return found


def form_on(client: Client, page: str, action: str) -> dict[str, Any]:
    response = client.get(page)
    assert response.status_code == 200, f"GET {page}: {response.status_code}"
    parser = Forms()
    parser.feed(response.content.decode())
    for form in parser.forms:
        if form["action"] in (action, "") and (form["action"] or page == action):
            if "version" in form["data"]:
                return form
    raise AssertionError(f"{page} shows no form for {action} that carries the row's version")


def typed(form: dict[str, Any], edit: EditForm, who: str) -> tuple[dict[str, list[str]], str]:
    """The form's values with `who`'s change in the field both people edit."""
    name = edit.field or form["texts"][0]
    data = {key: list(values) for key, values in form["data"].items()}
    assert name in data, f"no field {name!r} in the form: {sorted(data)}"
    if edit.values:
        value = edit.values[0 if who == "first" else 1]
    else:
        value = " ".join(filter(None, [*data[name][:1], f"changed by the {who}"]))
    data[name] = [value]
    data.update((key, [value]) for key, value in (edit.also or {}).items())
    if edit.answer_choices:
        for choice, first in form["choices"].items():
            # The form's own fields; a formset's blank rows stay blank.
            if not any(data.get(choice, [])) and not re.search(r"-\d+-", choice):
                data[choice] = [first]
    return data, value


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(EDIT_FORMS))
def test_a_stale_save_is_refused_and_keeps_what_was_typed(
    route: str, manager: Any, role_admin: Any, viewer: Any, other_manager: Any, evaluator_user: Any
) -> None:
    world: World = build_world(
        {
            "anonymous": None,
            "viewer": viewer,
            "other_manager": other_manager,
            "evaluator": evaluator_user,
            "owner": manager,
            "admin": role_admin,
        }
    )
    edit = EDIT_FORMS[route]
    action = url_for(route, world)
    page = url_for(edit.page, world) if edit.page else action
    saved = url_for(edit.shows, world) if edit.shows else page
    assert getattr(resolve(action).func, "saves_atomically", False), (
        f"{route}: decorate the view with @saves_atomically, so the row lock holds"
    )
    first, second = Client(), Client()
    # Each is someone who may edit the form; their own settings are edited by one person
    # in two tabs.
    own = POLICY[route] is POLICY["engagements:reminder_preferences"]
    ReminderPreferenceFactory(user=manager)
    first.force_login(manager if own else role_admin)
    second.force_login(manager)
    opened_by_second = form_on(second, page, action)
    opened_by_first = form_on(first, page, action)

    data, first_value = typed(opened_by_first, edit, "first")
    response = first.post(action, data)
    assert response.status_code == 302, f"the first save: {errors_in(response)}"

    data, second_value = typed(opened_by_second, edit, "second")
    refused = second.post(action, data)
    text = refused.content.decode()
    assert refused.status_code == 200, f"the stale save answered {refused.status_code}"
    assert "Not saved:" in text
    if not own:
        assert role_admin.get_full_name() in text, "the refusal names who changed it"
    assert second_value in text, "what the second person typed is still in the form"
    assert first_value in second.get(saved).content.decode(), "the first save stands"

    if not edit.saves_again:
        return
    # Saving the refused form again is a knowing choice: it lands.
    parser = Forms()
    parser.feed(text)
    again = next(f for f in parser.forms if "version" in f["data"])
    response = second.post(action, again["data"])
    assert response.status_code == 302, f"saving again: {response.status_code}"
    assert second_value in second.get(saved).content.decode()


def test_every_route_that_changes_something_is_declared() -> None:
    changes = {
        route
        for route, policy in POLICY.items()
        if policy not in (READ_ONLY, READ_ANY_METHOD, MANAGER_FORM, MANAGER_ACTION)
        and "changes" in policy["POST"].values()
    }
    undeclared = changes - set(EDIT_FORMS) - set(NOT_EDITS)
    assert not undeclared, f"declare in EDIT_FORMS or NOT_EDITS: {sorted(undeclared)}"
    assert not set(EDIT_FORMS) & set(NOT_EDITS)


@pytest.mark.django_db
def test_every_admin_change_form_carries_the_version(
    manager: Any, role_admin: Any, viewer: Any, other_manager: Any, evaluator_user: Any
) -> None:
    world = build_world(
        {
            "anonymous": None,
            "viewer": viewer,
            "other_manager": other_manager,
            "evaluator": evaluator_user,
            "owner": manager,
            "admin": role_admin,
        }
    )
    for model, model_admin in admin.site._registry.items():
        if any(field.name == "updated_at" for field in model._meta.fields):
            assert isinstance(model_admin, VersionedAdmin), f"{model.__name__}'s admin"
        for inline in model_admin.inlines:
            if any(field.name == "updated_at" for field in inline.model._meta.fields):
                assert issubclass(inline, VersionedInline), f"{inline.__name__} in {model}'s admin"
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    checked = []
    for obj in world.objects.values():
        if not version_of(obj) or type(obj) not in admin.site._registry:
            continue
        opts = obj._meta
        page = client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )
        assert page.status_code == 200
        assert b'name="version"' in page.content, f"{opts.model_name}'s admin change form"
        checked.append(opts.model_name)
    assert len(checked) >= 15, checked


@pytest.mark.django_db
def test_a_stale_row_in_an_admin_inline_is_refused_not_overwritten(manager: Any) -> None:
    contact = ContactFactory(name="Pat Lee", role="Account manager")
    url = reverse("admin:vendors_vendor_change", args=[contact.vendor.pk])
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    opened = admin_form(client.get(url))
    version = next(key for key in opened if key.endswith("-version") and opened[key][0])
    prefix = version.removesuffix("version")
    assert opened[f"{prefix}id"] == [str(contact.pk)]

    contact.role = "Head of delivery"  # someone saves the contact meanwhile
    contact.save()
    opened[f"{prefix}role"] = ["Team lead"]
    refused = client.post(url, opened)

    assert refused.status_code == 200
    assert "Not saved:" in refused.content.decode()
    contact.refresh_from_db()
    assert contact.role == "Head of delivery"


@pytest.mark.django_db
def test_a_stale_admin_save_is_refused_and_names_who_changed_what(manager: Any) -> None:
    risk = RiskFactory(title="Vendor staff turnover")
    url = reverse("admin:engagements_risk_change", args=[risk.pk])
    first, second = Client(), Client()
    first.force_login(
        UserFactory(is_staff=True, is_superuser=True, first_name="Ana", last_name="Novak")
    )
    second.force_login(UserFactory(is_staff=True, is_superuser=True))
    opened_by_second = admin_form(second.get(url))
    data = admin_form(first.get(url))
    data["title"] = ["Vendor staff turnover above 20%"]
    assert first.post(url, data).status_code == 302

    opened_by_second["title"] = ["Turnover of the vendor's team"]
    refused = second.post(url, opened_by_second)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Not saved: Ana Novak changed title to “Vendor staff turnover above 20%”" in text
    assert "Turnover of the vendor&#x27;s team" in text
    risk.refresh_from_db()
    assert risk.title == "Vendor staff turnover above 20%"


def admin_form(page: Any) -> dict[str, list[str]]:
    parser = Forms()
    parser.feed(page.content.decode())
    form = next(f for f in parser.forms if "version" in f["data"])
    return {key: list(values) for key, values in form["data"].items()}


@pytest.mark.django_db
def test_saving_again_keeps_the_other_persons_changes_in_fields_left_alone(
    manager: Any, role_admin: Any
) -> None:
    risk = RiskFactory(engagement__owner=manager, title="Staff turnover", description="High")
    url = reverse("engagements:risk_update", args=[risk.engagement.pk, risk.pk])
    first, second = Client(), Client()
    first.force_login(role_admin)
    second.force_login(manager)
    opened_by_second = form_on(second, url, url)
    data = form_on(first, url, url)["data"]
    data["title"] = ["Staff turnover above 20%"]
    assert first.post(url, data).status_code == 302

    data = dict(opened_by_second["data"])
    data["description"] = ["Three leavers in March"]
    refused = second.post(url, data)
    assert "Not saved:" in refused.content.decode()
    again = Forms()
    again.feed(refused.content.decode())
    shown = next(f for f in again.forms if "version" in f["data"])["data"]
    assert shown["title"] == ["Staff turnover above 20%"], "their change shows, not the old title"
    assert shown["description"] == ["Three leavers in March"], "mine stays"

    assert second.post(url, shown).status_code == 302
    risk.refresh_from_db()
    assert (risk.title, risk.description) == ("Staff turnover above 20%", "Three leavers in March")


@pytest.mark.django_db
def test_a_row_someone_else_created_meanwhile_is_not_overwritten(manager: Any) -> None:
    engagement = EngagementFactory(owner=manager)
    url = reverse("engagements:contract_edit", args=[engagement.pk])
    first, second = Client(), Client()
    ana = UserFactory(first_name="Ana", last_name="Novak")
    ana.groups.add(*manager.groups.all())
    engagement.co_owners.add(ana)
    first.force_login(ana)
    second.force_login(manager)
    opened_by_second = form_on(second, url, url)["data"]
    data = form_on(first, url, url)["data"]
    assert data["version"] == [""], "no contract yet"
    data["termination_terms"] = ["Ninety days' notice"]
    assert first.post(url, data).status_code == 302

    opened_by_second["termination_terms"] = ["Thirty days' notice"]
    refused = second.post(url, opened_by_second)
    assert refused.status_code == 200
    assert "Not saved: Ana Novak created it" in refused.content.decode()
    assert Contract.objects.get(engagement=engagement).termination_terms == "Ninety days' notice"


@pytest.mark.django_db
def test_a_stale_row_of_an_editable_admin_list_is_refused_not_overwritten() -> None:
    requirement = ComplianceRequirementFactory(order=5)
    url = reverse("admin:engagements_compliancerequirement_changelist")
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    opened = admin_list_form(client.get(url))
    row = next(
        key.removesuffix("id")
        for key, value in opened.items()
        if key.endswith("-id") and value == [str(requirement.pk)]
    )
    assert opened[f"{row}version"][0], "the row carries its version"

    requirement.order = 1  # someone reorders it meanwhile
    requirement.save()
    opened[f"{row}order"] = ["9"]
    refused = client.post(url, {**opened, "_save": ["Save"]})

    assert refused.status_code == 200
    assert "Not saved:" in refused.content.decode()
    requirement.refresh_from_db()
    assert requirement.order == 1


def admin_list_form(page: Any) -> dict[str, list[str]]:
    parser = Forms()
    parser.feed(page.content.decode())
    form = next(f for f in parser.forms if "form-TOTAL_FORMS" in f["data"])
    return {key: list(values) for key, values in form["data"].items()}


@pytest.mark.django_db
def test_an_editable_admin_list_does_not_revert_a_row_left_alone_that_changed_meanwhile() -> None:
    """Django saves every row whose posted values differ from the database's: a row this
    person left alone but someone else changed would be put back to what the page read."""
    edited, other = ComplianceRequirementFactory(order=5), ComplianceRequirementFactory(order=6)
    url = reverse("admin:engagements_compliancerequirement_changelist")
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    opened = admin_list_form(client.get(url))
    rows = {v[0]: key.removesuffix("id") for key, v in opened.items() if key.endswith("-id")}

    other.order = 1  # someone reorders the other row meanwhile
    other.save()
    opened[f"{rows[str(edited.pk)]}order"] = ["9"]
    refused = client.post(url, {**opened, "_save": ["Save"]})

    assert refused.status_code == 200
    assert "Not saved:" in refused.content.decode()
    other.refresh_from_db()
    assert other.order == 1, "their change stands"

    # Rows nobody else touched are not checked (no lock, no refusal): the list saves.
    fresh = admin_list_form(client.get(url))
    rows = {v[0]: key.removesuffix("id") for key, v in fresh.items() if key.endswith("-id")}
    fresh[f"{rows[str(edited.pk)]}order"] = ["9"]
    assert client.post(url, {**fresh, "_save": ["Save"]}).status_code == 302
    edited.refresh_from_db()
    assert edited.order == 9
