"""Questions about vendors that several pages ask."""

from __future__ import annotations

from outsourcing.history import History, recent_history

from .models import Vendor


def vendor_history(vendor: Vendor) -> History:
    return recent_history((Vendor.history.filter(id=vendor.pk), lambda row: "Vendor"))
