"""What the vendor registry downloads as (outsourcing/exports.py): one row a vendor."""

from outsourcing.exports import Column, person

# With the list's filters and order (vendor_list, ?export=csv|xlsx).
VENDOR_COLUMNS = (
    Column("Vendor", lambda v: v.legal_name),
    Column("Country", lambda v: v.country),
    Column("Services", lambda v: "; ".join(str(s) for s in v.services.all())),
    Column("Tags", lambda v: "; ".join(str(t) for t in v.tags.all())),
    Column("Status", lambda v: v.get_status_display()),
    Column("Tier", lambda v: v.get_tier_display()),
    Column("Standing", lambda v: v.get_standing_display()),
    Column("Standing score", lambda v: v.standing_score),
    Column("Highest data classification", lambda v: v.get_highest_data_classification_display()),
    Column("Handles personal data", lambda v: "yes" if v.handles_personal_data else "no"),
    Column("Annual spend", lambda v: v.annual_spend),
    Column("Currency", lambda v: v.annual_spend_currency),
    Column("Owner", lambda v: person(v.owner)),
    Column("Website", lambda v: v.website),
    Column("Last changed", lambda v: v.updated_at),
)
