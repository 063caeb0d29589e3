"""The vendor registry of the demo: the vendors of the stories and a few more in other states."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify

from vendors.models import (
    Certification,
    Contact,
    Reference,
    ServiceCategory,
    SubProcessor,
    Tag,
    Vendor,
    suggest_tier,
)

from .helpers import days, document, ensure
from .people import People

BRIGHTLINE = "BrightLine Contact Solutions Inc."
CALLCREST = "CallCrest Contact Centres (Pty) Ltd"
PIXEL_QUILL = "Pixel & Quill Studio Ltd"
NORTHSTAR = "NorthStar Managed IT GmbH"
VANTAGE = "Vantage Social Media Agency LLC"
LEDGERWISE = "Ledgerwise Accounting Services Sp. z o.o."
NUMERA = "Numera Back Office Pvt Ltd"
CLEARBOOKS = "Clearbooks Partners LLP"
HARBOUR = "Harbour Data Services (Pty) Ltd"
QUICKKEY = "QuickKey Data Services Inc."


@dataclass(frozen=True)
class VendorSpec:
    legal_name: str
    website: str
    country: str
    time_zone: str
    languages: str
    size: str
    founded_year: int
    status: str  # where the vendor starts; stories move it on with recorded changes
    classification: str
    personal_data: bool
    replaceability: str
    annual_spend: str
    spend_currency: str
    notes: str
    services: tuple[str, ...]
    tags: tuple[str, ...]
    # (name, role, email, phone, primary)
    contacts: tuple[tuple[str, str, str, str, bool], ...]
    # (name, issuer, reference number, issued days from today, expires days from today)
    certifications: tuple[tuple[str, str, str, int, int | None], ...] = ()
    # (client, contact name, contact email, work, outcome, checked days from today or None)
    references: tuple[tuple[str, str, str, str, str, int | None], ...] = ()
    # (name, country, service, data touched, personal data, approved days from today)
    sub_processors: tuple[tuple[str, str, str, str, bool, int], ...] = field(default=())


S = Vendor.Status
R = Vendor.Replaceability
O = Reference.Outcome  # noqa: E741

VENDORS = (
    VendorSpec(
        legal_name=BRIGHTLINE,
        website="https://brightline-contact.example.com",
        country="PH",
        time_zone="Asia/Manila",
        languages="English, Filipino, German",
        size=Vendor.Size.LARGE,
        founded_year=2009,
        status=S.APPROVED,
        classification="confidential",
        personal_data=True,
        replaceability=R.EASY,
        annual_spend="93600",
        spend_currency="USD",
        notes="Large contact centre in Manila; handled our phone, email and chat support "
        "until we brought it back in-house.",
        services=(
            "Phone, email and chat support",
            "Returns and exchanges handling",
            "Complaint handling and escalation",
        ),
        tags=("offshore", "contact centre"),
        contacts=(
            (
                "Rafael Santos",
                "Account director",
                "rafael.santos@brightline-contact.example.com",
                "+63 2 8555 0140",
                True,
            ),
            (
                "Joy Mendoza",
                "Team lead, e-commerce desk",
                "joy.mendoza@brightline-contact.example.com",
                "+63 2 8555 0177",
                False,
            ),
        ),
        certifications=(("PCI DSS Level 1", "SecureTrust QSA", "PCI-BL-2291", -400, 330),),
        references=(
            (
                "Nordic Home Goods AB",
                "Elin Berg",
                "elin.berg@nordichome.example.com",
                "Email and chat support for a furniture web shop, 2 years.",
                O.MIXED,
                -335,
            ),
        ),
        sub_processors=(
            (
                "TalkBridge Telephony Pte Ltd",
                "SG",
                "Cloud telephony, call recording and IVR",
                "Caller phone numbers and call recordings",
                True,
                -320,
            ),
        ),
    ),
    VendorSpec(
        legal_name=CALLCREST,
        website="https://callcrest.example.com",
        country="ZA",
        time_zone="Africa/Johannesburg",
        languages="English, Afrikaans, Dutch",
        size=Vendor.Size.MEDIUM,
        founded_year=2012,
        status=S.QUALIFIED,
        classification="confidential",
        personal_data=True,
        replaceability=R.MODERATE,
        annual_spend="0",
        spend_currency="EUR",
        notes="Runner-up in the customer service selection: same time zone as our team, "
        "stronger on culture, dearer per contact.",
        services=("Phone, email and chat support", "Complaint handling and escalation"),
        tags=("same time zone", "contact centre"),
        contacts=(
            (
                "Thandi Nkosi",
                "Head of sales, Europe",
                "thandi.nkosi@callcrest.example.com",
                "+27 21 555 0199",
                True,
            ),
        ),
        references=(
            (
                "Fietsplaats B.V.",
                "Joost de Vries",
                "joost@fietsplaats.example.com",
                "Dutch and English phone support for a bicycle retailer.",
                O.POSITIVE,
                -340,
            ),
        ),
    ),
    VendorSpec(
        legal_name=PIXEL_QUILL,
        website="https://pixelandquill.example.com",
        country="GB",
        time_zone="Europe/London",
        languages="English",
        size=Vendor.Size.MICRO,
        founded_year=2017,
        status=S.APPROVED,
        classification="internal",
        personal_data=False,
        replaceability=R.EASY,
        annual_spend="26400",
        spend_currency="GBP",
        notes="Small studio writing our blog posts and designing the infographics. "
        "Good work; needed weekly check-ins and clear KPIs to deliver it on time.",
        services=("Content writing", "Graphic design and infographics"),
        tags=("creative",),
        contacts=(
            (
                "Lena Hart",
                "Account manager",
                "lena@pixelandquill.example.com",
                "+44 20 7946 0321",
                True,
            ),
            (
                "Owen Price",
                "Studio director",
                "owen@pixelandquill.example.com",
                "+44 20 7946 0300",
                False,
            ),
        ),
        references=(
            (
                "Greenleaf Outdoor Ltd",
                "Hannah Cole",
                "hannah.cole@greenleaf.example.com",
                "Monthly infographics and long-form blog posts.",
                O.POSITIVE,
                -215,
            ),
        ),
    ),
    VendorSpec(
        legal_name=NORTHSTAR,
        website="https://northstar-it.example.com",
        country="DE",
        time_zone="Europe/Berlin",
        languages="German, English",
        size=Vendor.Size.MEDIUM,
        founded_year=2004,
        status=S.APPROVED,
        classification="restricted",
        personal_data=True,
        replaceability=R.HARD,
        annual_spend="418000",
        spend_currency="EUR",
        notes="24/7 support for our servers, desktops and mobile devices. Domain administrator "
        "rights: treat as critical.",
        services=(
            "24/7 IT helpdesk",
            "Server and network monitoring",
            "Security updates and patching",
            "Desktop and mobile device support",
        ),
        tags=("24/7", "GDPR-ready", "nearshore"),
        contacts=(
            (
                "Jana Hoffmann",
                "Service delivery manager",
                "jana.hoffmann@northstar-it.example.com",
                "+49 30 5557 1200",
                True,
            ),
            (
                "Markus Weber",
                "Information security officer",
                "markus.weber@northstar-it.example.com",
                "+49 30 5557 1250",
                False,
            ),
            (
                "NorthStar duty desk",
                "24/7 duty manager",
                "duty@northstar-it.example.com",
                "+49 30 5557 1111",
                False,
            ),
        ),
        certifications=(
            ("ISO/IEC 27001:2022", "TÜV Nord Cert", "TN-44 121 9876", -330, 765),
            ("SOC 2 Type II", "Keller & Roth Wirtschaftsprüfung", "KR-SOC2-2026-18", -120, 245),
        ),
        references=(
            (
                "Helix Robotics AG",
                "Stefan Kraus",
                "stefan.kraus@helix.example.com",
                "24/7 service desk and server operations for 900 staff, 6 years.",
                O.POSITIVE,
                -640,
            ),
        ),
        sub_processors=(
            (
                "CloudVault Hosting B.V.",
                "NL",
                "Hosting of the ticketing and monitoring systems",
                "Ticket contents, user names, device inventory",
                True,
                -600,
            ),
            (
                "PagerLine Inc.",
                "US",
                "On-call alerting",
                "Names and phone numbers of on-call staff",
                True,
                -600,
            ),
        ),
    ),
    VendorSpec(
        legal_name=VANTAGE,
        website="https://vantage-social.example.com",
        country="US",
        time_zone="America/New_York",
        languages="English, Spanish",
        size=Vendor.Size.SMALL,
        founded_year=2015,
        status=S.APPROVED,
        classification="internal",
        personal_data=True,
        replaceability=R.EASY,
        annual_spend="38000",
        spend_currency="USD",
        notes="Runs our Instagram, LinkedIn and TikTok accounts. On watch since the scorecard "
        "fell under 60.",
        services=("Social media management", "Email marketing campaigns"),
        tags=("marketing",),
        contacts=(
            (
                "Jordan Blake",
                "Client partner",
                "jordan@vantage-social.example.com",
                "+1 212 555 0143",
                True,
            ),
        ),
        references=(
            (
                "Brightwater Coffee Co.",
                "Mia Torres",
                "mia@brightwater.example.com",
                "Social media for a coffee roaster, 18 months.",
                O.MIXED,
                -170,
            ),
        ),
    ),
    VendorSpec(
        legal_name=LEDGERWISE,
        website="https://ledgerwise.example.com",
        country="PL",
        time_zone="Europe/Warsaw",
        languages="Polish, English, German",
        size=Vendor.Size.SMALL,
        founded_year=2011,
        status=S.APPROVED,
        classification="confidential",
        personal_data=True,
        replaceability=R.MODERATE,
        annual_spend="0",
        spend_currency="EUR",
        notes="Shortlisted for the bookkeeping and payroll pilot.",
        services=("Bookkeeping and payroll", "Accounts payable and receivable"),
        tags=("nearshore", "finance", "GDPR-ready", "shortlisted"),
        contacts=(
            (
                "Katarzyna Nowak",
                "Partner",
                "k.nowak@ledgerwise.example.com",
                "+48 22 555 0107",
                True,
            ),
        ),
        certifications=(("ISO/IEC 27001:2022", "DNV", "DNV-PL-55102", -1070, 25),),
        references=(
            (
                "Baltic Freight Sp. z o.o.",
                "Piotr Zielinski",
                "p.zielinski@balticfreight.example.com",
                "Bookkeeping and payroll for 140 employees.",
                O.POSITIVE,
                -20,
            ),
        ),
        sub_processors=(
            (
                "PayCloud Sp. z o.o.",
                "PL",
                "Payroll software",
                "Employee names, salaries, bank accounts",
                True,
                -30,
            ),
        ),
    ),
    VendorSpec(
        legal_name=NUMERA,
        website="https://numera-bo.example.com",
        country="IN",
        time_zone="Asia/Kolkata",
        languages="English, Hindi",
        size=Vendor.Size.LARGE,
        founded_year=2006,
        status=S.QUALIFIED,
        classification="confidential",
        personal_data=True,
        replaceability=R.MODERATE,
        annual_spend="0",
        spend_currency="EUR",
        notes="Shortlisted for the bookkeeping and payroll pilot. Cheapest; the team is only "
        "reachable through an account manager.",
        services=(
            "Bookkeeping and payroll",
            "Accounts payable and receivable",
            "Data entry and cleansing",
        ),
        tags=("offshore", "finance", "shortlisted"),
        contacts=(
            (
                "Arjun Mehta",
                "Account manager, Europe",
                "arjun.mehta@numera-bo.example.com",
                "+91 80 5550 2211",
                True,
            ),
        ),
        certifications=(("ISO/IEC 27001:2022", "BSI", "IS 771204", -200, 895),),
        references=(
            (
                "Kestrel Logistics GmbH",
                "Anna Vogel",
                "anna.vogel@kestrel.example.com",
                "Accounts payable for a logistics group, 3 years.",
                O.POSITIVE,
                -15,
            ),
        ),
    ),
    VendorSpec(
        legal_name=CLEARBOOKS,
        website="https://clearbooks-partners.example.com",
        country="GB",
        time_zone="Europe/London",
        languages="English",
        size=Vendor.Size.SMALL,
        founded_year=1998,
        status=S.QUALIFIED,
        classification="confidential",
        personal_data=True,
        replaceability=R.MODERATE,
        annual_spend="0",
        spend_currency="EUR",
        notes="Shortlisted for the bookkeeping and payroll pilot. Chartered accountants; "
        "prices per invoice and per payslip.",
        services=("Bookkeeping and payroll", "Tax preparation and filing"),
        tags=("finance", "shortlisted"),
        contacts=(
            (
                "Helen Carter",
                "Partner",
                "helen.carter@clearbooks-partners.example.com",
                "+44 161 555 0188",
                True,
            ),
        ),
        certifications=(("ICAEW practice assurance", "ICAEW", "C00451277", -150, 215),),
        references=(
            ("Moorland Breweries Ltd", "", "", "Bookkeeping and VAT returns.", O.NOT_CHECKED, None),
        ),
    ),
    VendorSpec(
        legal_name=HARBOUR,
        website="https://harbourdata.example.com",
        country="ZA",
        time_zone="Africa/Johannesburg",
        languages="English, Afrikaans",
        size=Vendor.Size.SMALL,
        founded_year=2019,
        status=S.PROSPECT,
        classification="internal",
        personal_data=False,
        replaceability=R.EASY,
        annual_spend="0",
        spend_currency="EUR",
        notes="Met at a trade fair; might do the supplier invoice capture.",
        services=("Data entry and cleansing", "Document digitisation"),
        tags=("same time zone",),
        contacts=(
            (
                "Pieter van Wyk",
                "Founder",
                "pieter@harbourdata.example.com",
                "+27 21 555 0123",
                True,
            ),
        ),
    ),
    VendorSpec(
        legal_name=QUICKKEY,
        website="https://quickkey.example.com",
        country="PH",
        time_zone="Asia/Manila",
        languages="English",
        size=Vendor.Size.MEDIUM,
        founded_year=2014,
        status=S.QUALIFIED,
        classification="internal",
        personal_data=False,
        replaceability=R.EASY,
        annual_spend="0",
        spend_currency="EUR",
        notes="Suspended after a poor trial batch for the product catalogue.",
        services=("Data entry and cleansing", "Product catalogue upkeep"),
        tags=("offshore",),
        contacts=(
            (
                "Carlo Reyes",
                "Operations manager",
                "carlo.reyes@quickkey.example.com",
                "+63 2 8555 0190",
                True,
            ),
        ),
        certifications=(("ISO 9001:2015", "Bureau Veritas", "PH-QMS-20931", -1135, -40),),
        references=(
            (
                "Sunny Side Toys Inc.",
                "Ben Lopez",
                "ben@sunnyside.example.com",
                "Product data entry.",
                O.NEGATIVE,
                -90,
            ),
        ),
    ),
)


# Tom looks after the IT and data-entry vendors; Maria after the rest.
LOOKED_AFTER_BY_MANAGER2 = {NORTHSTAR, HARBOUR, QUICKKEY}


def ensure_vendors(today: datetime.date, people: People) -> dict[str, Vendor]:
    """Every demo vendor with its contacts, certifications, references and sub-processors."""
    categories = {c.name: c for c in ServiceCategory.objects.all()}
    vendors = {}
    for spec in VENDORS:
        spend = Decimal(spec.annual_spend)
        vendor = ensure(
            Vendor,
            legal_name=spec.legal_name,
            defaults={
                "website": spec.website,
                "country": spec.country,
                "time_zone": spec.time_zone,
                "languages": spec.languages,
                "size": spec.size,
                "founded_year": spec.founded_year,
                "status": spec.status,
                "owner": people.manager2
                if spec.legal_name in LOOKED_AFTER_BY_MANAGER2
                else people.manager,
                "notes": spec.notes,
                "highest_data_classification": spec.classification,
                "handles_personal_data": spec.personal_data,
                "replaceability": spec.replaceability,
                "annual_spend": spend,
                "annual_spend_currency": spec.spend_currency,
                "tier": suggest_tier(
                    classification=spec.classification,
                    personal_data=spec.personal_data,
                    replaceability=spec.replaceability,
                    annual_spend=spend,
                ),
            },
        )
        vendor.services.add(*(categories[name] for name in spec.services if name in categories))
        vendor.tags.add(*(ensure(Tag, name=name) for name in spec.tags))
        for name, role, email, phone, primary in spec.contacts:
            ensure(
                Contact,
                vendor=vendor,
                name=name,
                defaults={"role": role, "email": email, "phone": phone, "is_primary": primary},
            )
        for name, issuer, number, issued, expires in spec.certifications:
            if vendor.certifications.filter(name=name).exists():
                continue
            Certification.objects.create(
                vendor=vendor,
                name=name,
                issuer=issuer,
                reference_number=number,
                issued_on=today + days(issued),
                expires_on=None if expires is None else today + days(expires),
                **document(
                    f"{slugify(name)}-{slugify(vendor.legal_name)}.txt",
                    f"{name} certificate of {vendor}",
                    f"Issued by {issuer}.",
                ),
            )
        for client, contact, email, work, outcome, checked in spec.references:
            ensure(
                Reference,
                vendor=vendor,
                client_name=client,
                defaults={
                    "contact_name": contact,
                    "contact_email": email,
                    "work_description": work,
                    "outcome": outcome,
                    "checked_on": None if checked is None else today + days(checked),
                },
            )
        for name, country, service, data, personal, approved in spec.sub_processors:
            ensure(
                SubProcessor,
                vendor=vendor,
                name=name,
                defaults={
                    "country": country,
                    "service": service,
                    "data_touched": data,
                    "handles_personal_data": personal,
                    "approved_on": today + days(approved),
                },
            )
        vendors[spec.legal_name] = vendor
    return vendors
