"""Data migrations: what they move is found where it belongs afterwards.

The migration's own functions run against today's tables: moving the schema back and
forth inside the suite would need a transactional test that empties every table.
"""

import importlib

import pytest
from django.apps import apps

from engagements.models import ComplianceRequirement, Engagement, OffboardingItem
from engagements.tests.factories import EngagementFactory

pytestmark = pytest.mark.django_db

outcome_field = importlib.import_module("engagements.migrations.0011_offboarding_outcome_field")


def final_review(engagement: Engagement, notes: str) -> OffboardingItem:
    return OffboardingItem.objects.create(
        engagement=engagement, kind="final_review", title="Record the final review", notes=notes
    )


def test_the_offboarding_outcome_moves_from_the_final_review_note_to_its_field() -> None:
    ending = EngagementFactory(status=Engagement.Status.OFFBOARDING)
    moved = final_review(ending, "outcome: in_house\nQuality fell; the work comes back.")
    other = EngagementFactory()
    untouched = final_review(other, "Later.")

    outcome_field.move_outcome_to_its_field(apps, None)

    ending.refresh_from_db()
    moved.refresh_from_db()
    assert ending.offboarding_outcome == Engagement.Status.IN_HOUSE
    assert moved.notes == "Quality fell; the work comes back."
    other.refresh_from_db()
    untouched.refresh_from_db()
    assert (other.offboarding_outcome, untouched.notes) == ("", "Later.")


def test_moving_back_puts_the_outcome_first_in_the_note_again() -> None:
    ending = EngagementFactory(
        status=Engagement.Status.OFFBOARDING, offboarding_outcome=Engagement.Status.TERMINATED
    )
    item = final_review(ending, "Missed every target.")

    outcome_field.put_outcome_back_in_the_notes(apps, None)

    item.refresh_from_db()
    assert item.notes == "outcome: terminated\nMissed every target."


iso_required = importlib.import_module("engagements.migrations.0013_iso_27001_required_by_default")


def test_the_iso_27001_certificate_is_required_by_default_after_migrating() -> None:
    # The catalog seed (0002) and this migration have both run on the test database.
    iso = ComplianceRequirement.objects.get(name="ISO 27001 certificate")
    assert iso.required_by_default

    ComplianceRequirement.objects.filter(pk=iso.pk).update(required_by_default=False)
    iso_required.require(apps, None)

    iso.refresh_from_db()
    assert iso.required_by_default
