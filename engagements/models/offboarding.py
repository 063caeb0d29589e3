"""Leaving – how do we end it cleanly? The checklist an ending engagement works through."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from outsourcing.models import Owned, TimeStampedModel, person_field
from outsourcing.storage import RandomName, private_storage
from outsourcing.text import multi_line_text, single_line_text

from .engagement import Engagement
from .risk import DataAccessGrant


class OffboardingItem(Owned, TimeStampedModel):
    owner_path = "engagement"

    class Kind(models.TextChoices):
        REVOKE_ACCESS = "revoke_access", "Revoke access"
        RECOVER_DATA = "recover_data", "Recover data"
        RECOVER_IP = "recover_ip", "Recover intellectual property"
        KNOWLEDGE_HANDOVER = "knowledge_handover", "Hand over knowledge"
        FINAL_SCORECARD = "final_scorecard", "Record the final scorecard"
        FINAL_REVIEW = "final_review", "Record the final review"
        OTHER = "other", "Other"

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="offboarding_items"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200, validators=[single_line_text])
    grant = models.ForeignKey(
        DataAccessGrant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="offboarding_items",
        help_text="The access to revoke, for a revoke-access item.",
    )
    owner = person_field()
    due_date = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = person_field()
    notes = models.TextField(blank=True, validators=[multi_line_text])
    # What shows the item was done (a deletion certificate, a handover record); private.
    evidence = models.FileField(
        storage=private_storage, upload_to=RandomName("offboarding"), blank=True
    )
    evidence_name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["done_at", "kind", "title"]
        verbose_name = "offboarding checklist item"
        constraints = [
            # Starting offboarding twice must not double the checklist.
            models.UniqueConstraint(
                fields=["engagement", "grant"],
                condition=Q(grant__isnull=False),
                name="one_revoke_item_per_grant",
            ),
            models.UniqueConstraint(
                fields=["engagement", "kind"],
                condition=Q(grant__isnull=True) & ~Q(kind="other"),
                name="one_offboarding_item_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(grant__isnull=True) | Q(kind="revoke_access"),
                name="only_revoke_items_name_a_grant",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
