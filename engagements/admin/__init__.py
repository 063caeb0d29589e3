"""Admin for the engagement domain, one module per step, the same names as in `models/`."""

from . import (
    assessment,
    communication,
    compliance,
    monitoring,
    notifications,
    offboarding,
    risk,
    sourcing,
    spend,
)

__all__ = [
    "assessment",
    "communication",
    "compliance",
    "monitoring",
    "notifications",
    "offboarding",
    "risk",
    "sourcing",
    "spend",
]
