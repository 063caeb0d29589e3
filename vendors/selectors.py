"""Questions about vendors that several pages ask."""

from __future__ import annotations

from outsourcing.history import History, recent_history

from .models import SubProcessor, Vendor


def vendor_history(vendor: Vendor) -> History:
    """The vendor's own changes and those of its sub-processors."""
    return recent_history(
        (Vendor.history.filter(id=vendor.pk), lambda row: "Vendor"),
        (
            SubProcessor.history.filter(vendor_id=vendor.pk),
            lambda row: f"Sub-processor {row.name}",
        ),
    )
