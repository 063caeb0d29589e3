"""Model building blocks every app uses: timestamps, money, time zones, ownership.

Abstract only: this app has no tables of its own.
"""

from __future__ import annotations

import functools
import zoneinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.text import capfirst


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Currency(models.TextChoices):
    EUR = "EUR", "EUR – euro"
    USD = "USD", "USD – US dollar"
    GBP = "GBP", "GBP – pound sterling"
    CHF = "CHF", "CHF – Swiss franc"
    PLN = "PLN", "PLN – Polish złoty"
    SEK = "SEK", "SEK – Swedish krona"
    CAD = "CAD", "CAD – Canadian dollar"
    AUD = "AUD", "AUD – Australian dollar"
    INR = "INR", "INR – Indian rupee"
    PHP = "PHP", "PHP – Philippine peso"
    ZAR = "ZAR", "ZAR – South African rand"


def currency_field(**kwargs: Any) -> models.CharField:
    return models.CharField(
        max_length=3, choices=Currency.choices, default=settings.DEFAULT_CURRENCY, **kwargs
    )


# Money is kept and rounded to the cent.
CENT = Decimal("0.01")


def money_field(**kwargs: Any) -> models.DecimalField:
    kwargs.setdefault("validators", [MinValueValidator(Decimal("0"))])
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def person_field(*, related_name: str = "+", **kwargs: Any) -> models.ForeignKey[Any, Any]:
    """Someone who did or looks after something: optional, and the row stays (without
    them) when their account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name=related_name,
        **kwargs,
    )


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA zone names, sorted; read from disk once per process (it opens every zone file)."""
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def known_time_zones() -> frozenset[str]:
    return frozenset(time_zone_names())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(
            "%(value)s is not a known time zone. Use a name like Europe/Berlin.",
            params={"value": value},
        )


class TimeZoneField(models.CharField):
    """An IANA time zone name ("Europe/Berlin"): chosen from the list in forms and the admin."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("default", "UTC")
        kwargs.setdefault("validators", [validate_time_zone])
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs.pop("form_class", None)
        kwargs.pop("choices_form_class", None)
        defaults: dict[str, Any] = {
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
            "required": not self.blank,
            "initial": self.default,
            "choices": [(name, name.replace("_", " ")) for name in time_zone_names()],
            "error_messages": {
                "invalid_choice": "%(value)s is not a known time zone. "
                "Use a name like Europe/Berlin."
            },
        }
        return forms.TypedChoiceField(**{**defaults, **kwargs})


class Owned:
    """A model whose changes its owners decide (outsourcing.roles.can_change).

    A root (a vendor, candidate, selection, engagement) answers for itself; a part
    names the way to its root in `owner_path` ("vendor", "checkin.engagement").
    """

    owner_path = ""

    @property
    def owner_root(self) -> Any:
        root: Any = self
        for name in filter(None, self.owner_path.split(".")):
            root = getattr(root, name)
        return root

    @property
    def is_closed(self) -> bool:
        """Asked of a root: a closed one (an ended engagement) is kept as it was, for good."""
        return False

    def is_owned_by(self, user: Any) -> bool:
        """Asked of a root; an engagement also counts its co-owners."""
        owner_id = getattr(self, "owner_id", None)
        return owner_id is not None and owner_id == user.pk
