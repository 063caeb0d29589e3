"""The colours of the vendor registry's badges (outsourcing/badges.py)."""

from outsourcing.badges import register

from .models import Vendor

register(
    "vendor_status",
    Vendor.Status,
    {"prospect": "secondary", "qualified": "info", "approved": "primary", "active": "success"}
    | {"on_watch": "warning", "suspended": "danger", "offboarded": "dark"},
)
register(
    "vendor_tier",
    Vendor.Tier,
    {"critical": "danger", "high": "warning", "medium": "info", "low": "light border"},
)
register(
    "vendor_standing",
    Vendor.Standing,
    {"excellent": "success", "good": "primary", "watch": "warning", "poor": "danger"}
    | {"no_data": "secondary"},
)
