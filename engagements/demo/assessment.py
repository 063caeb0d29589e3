"""Step 1 of the demo: the candidates of candidates.toml, assessed and decided."""

from __future__ import annotations

from typing import Any

from engagements.models import Assessment, AssessmentFactor, Candidate
from engagements.services.assessment import save_assessment

from .dates import Story
from .helpers import as_told, ensure, story_file


def ensure_candidates(story: Story) -> dict[str, Candidate]:
    """Every candidate of candidates.toml, by name."""
    specs = story_file("candidates.toml")["candidate"]
    return {spec["name"]: ensure_candidate(spec, story) for spec in specs}


def ensure_candidate(spec: dict[str, Any], story: Story) -> Candidate:
    """A candidate, its assessment (factor name -> score, comment) and the recorded decision.

    The assessment is saved by save_assessment, as on the assessment page; the decision goes
    through Candidate.record_decision and is then dated as in the story. `status_after`
    moves it on afterwards.
    """
    owner = story.person(spec["owner"])
    candidate = ensure(
        Candidate,
        name=spec["name"],
        defaults={
            # `decision` is a table of its own, recorded below.
            **story.fields(Candidate, {k: v for k, v in spec.items() if k != "decision"}),
            "owner": owner,
            "status": Candidate.Status.DRAFT,
        },
    )
    answers = spec.get("answers")
    if answers and not Assessment.objects.filter(candidate=candidate).exists():
        factors = {f.name: f for f in AssessmentFactor.objects.filter(name__in=answers)}
        save_assessment(
            candidate=candidate,
            answers=[
                (factors[factor], score, comment) for factor, (score, comment) in answers.items()
            ],
            notes="",
            by=owner,
        )
    decision = spec.get("decision")
    if decision and not candidate.decision:
        candidate.record_decision(
            decision=decision["recommendation"],
            reason=decision["reason"],
            by=story.person(decision["by"]),
        )
        as_told(candidate, decided_at=story.moment(decision["at"]))
        if "status_after" in spec:
            as_told(candidate, status=spec["status_after"])
    return candidate
