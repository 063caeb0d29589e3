"""Step 1 workflows: saving an assessment's answers together with its result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from engagements.models import Assessment, AssessmentAnswer, AssessmentFactor, Candidate
from engagements.models.assessment import AssessmentResult


@transaction.atomic
def save_assessment(
    *,
    candidate: Candidate,
    answers: Sequence[tuple[AssessmentFactor, int, str]],
    notes: str,
    by: Any,
) -> AssessmentResult:
    """Keep the answers (weights copied from their factors) and the result, all or nothing.

    The answers are the whole assessment: an answer to a factor not among them
    (one the admin has since retired) is removed, so the stored result is the
    one the manager saw while answering. A draft candidate becomes assessed.
    """
    # One save per candidate at a time: the second waits and then overwrites in full.
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    assessment, created = Assessment.objects.get_or_create(
        candidate=locked, defaults={"assessed_by": by, "notes": notes}
    )
    if not created:
        assessment.assessed_by = by
        assessment.notes = notes
        assessment.save(update_fields=["assessed_by", "notes", "updated_at"])
    AssessmentAnswer.objects.bulk_create(
        [
            AssessmentAnswer(
                assessment=assessment,
                factor=factor,
                score=score,
                weight=factor.weight,
                comment=comment,
            )
            for factor, score, comment in answers
        ],
        update_conflicts=True,
        unique_fields=["assessment", "factor"],
        update_fields=["score", "weight", "comment"],
    )
    assessment.answers.exclude(factor__in=[factor for factor, _score, _comment in answers]).delete()
    result = assessment.store_result()
    if locked.status == Candidate.Status.DRAFT:
        locked.status = Candidate.Status.ASSESSED
        locked.save(update_fields=["status", "updated_at"])
    candidate.refresh_from_db()
    return result
