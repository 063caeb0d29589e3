"""The database itself refuses vendor rows that break the hard rules.

Rows go in through `Model.objects.create` (what DjangoModelFactory calls) or
`QuerySet.update`, never through forms, each refusal in its own savepoint.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import factory
import pytest
from django.db import IntegrityError, transaction

from outsourcing.tests import factories as shared
from vendors.models import Contact
from vendors.tests import factories as f


@contextmanager
def refused_by_database(constraint: str | None = None) -> Iterator[None]:
    """Expect the database to refuse; a check constraint's name shows in its message."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        yield


def update(row: Any, **values: Any) -> int:
    """Change a stored row with a plain UPDATE: no save(), no validation."""
    return type(row).objects.filter(pk=row.pk).update(**values)


BAD_VALUES = [
    pytest.param(
        f.VendorStatusChangeFactory,
        {"reason": ""},
        "vendor_status_change_has_reason",
        id="status-change-without-reason",
    ),
    pytest.param(
        f.CertificationFactory,
        {"issued_on": datetime.date(2025, 6, 1), "expires_on": datetime.date(2025, 5, 31)},
        "certification_expires_after_issue",
        id="certification-expires-before-issue",
    ),
    pytest.param(
        f.VendorFactory,
        {"annual_spend": Decimal("-0.01")},
        "vendor_annual_spend_not_negative",
        id="negative-spend",
    ),
    pytest.param(
        f.VendorFactory,
        {"founded_year": 1799},
        "vendor_founded_year_plausible",
        id="founded-too-early",
    ),
    pytest.param(
        f.VendorFactory,
        {"founded_year": 2101},
        "vendor_founded_year_plausible",
        id="founded-too-late",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("factory_class", "bad", "constraint"), BAD_VALUES)
def test_the_database_refuses_to_insert_a_row_breaking_a_check(factory_class, bad, constraint):
    model = factory_class._meta.model
    rows_before = model.objects.count()

    with refused_by_database(constraint):
        factory_class(**bad)

    assert model.objects.count() == rows_before


@pytest.mark.django_db
@pytest.mark.parametrize(("factory_class", "bad", "constraint"), BAD_VALUES)
def test_the_database_refuses_to_update_a_row_into_breaking_a_check(factory_class, bad, constraint):
    row = factory_class()
    stored = type(row).objects.filter(pk=row.pk)
    before = list(stored.values(*bad))

    with refused_by_database(constraint):
        update(row, **bad)

    assert list(stored.values(*bad)) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("factory_class", "good"),
    [
        pytest.param(
            f.CertificationFactory,
            {"issued_on": datetime.date(2025, 6, 1), "expires_on": datetime.date(2025, 6, 1)},
            id="certification-one-day",
        ),
        pytest.param(f.CertificationFactory, {"issued_on": None}, id="certification-issue-unknown"),
        pytest.param(f.VendorFactory, {"annual_spend": Decimal("0")}, id="zero-spend"),
        pytest.param(f.VendorFactory, {"founded_year": 1800}, id="founded-1800"),
        pytest.param(f.VendorFactory, {"founded_year": 2100}, id="founded-2100"),
        pytest.param(f.VendorFactory, {"founded_year": None}, id="founded-unknown"),
    ],
)
def test_the_database_accepts_a_row_on_the_boundary(factory_class, good):
    row = factory_class(**good)

    assert factory_class._meta.model.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_one_primary_contact_per_vendor():
    primary = f.ContactFactory(is_primary=True)

    with refused_by_database():
        f.ContactFactory(vendor=primary.vendor, is_primary=True)

    f.ContactFactory(vendor=primary.vendor, is_primary=False)
    f.ContactFactory(vendor=primary.vendor, is_primary=False)
    f.ContactFactory(is_primary=True)  # another vendor's primary contact
    assert Contact.objects.filter(vendor=primary.vendor).count() == 3


@pytest.mark.django_db
def test_a_second_contact_cannot_be_made_primary_by_update():
    primary = f.ContactFactory(is_primary=True)
    other = f.ContactFactory(vendor=primary.vendor, is_primary=False)

    with refused_by_database():
        update(other, is_primary=True)

    update(primary, is_primary=False)
    update(other, is_primary=True)
    assert Contact.objects.get(vendor=primary.vendor, is_primary=True) == other


@pytest.mark.django_db
def test_legal_names_are_unique():
    first = f.VendorFactory()

    with refused_by_database():
        f.VendorFactory(legal_name=first.legal_name)


@pytest.mark.django_db
def test_a_sub_processor_is_listed_once_per_vendor():
    first = f.SubProcessorFactory()

    with refused_by_database():
        f.SubProcessorFactory(vendor=first.vendor, name=first.name)

    f.SubProcessorFactory(name=first.name)  # the same company under another vendor


# The vendor registry's factories and the shared ones they build on (UserFactory).
ALL_FACTORIES = [
    value
    for module in (shared, f)
    for value in vars(module).values()
    if isinstance(value, type)
    and issubclass(value, factory.django.DjangoModelFactory)
    and value.__module__ == module.__name__
    and not value._meta.abstract
]


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", ALL_FACTORIES, ids=lambda c: c.__name__)
def test_each_factory_makes_a_valid_row(factory_class):
    row = factory_class()

    row.full_clean()
    assert factory_class._meta.model.objects.filter(pk=row.pk).exists()
