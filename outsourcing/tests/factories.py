"""Factories every app's tests build on: the typed base factory and users."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from factory.django import DjangoModelFactory

T = TypeVar("T")


class ModelFactory(DjangoModelFactory[T]):
    """DjangoModelFactory that tells mypy `SomeFactory()` returns the model instance."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # Calling a factory returns the model, not the factory; mypy wants __new__ to
        # return the class itself, hence the ignore.
        def __new__(cls, *args: Any, **kwargs: Any) -> T:  # type: ignore[misc]
            ...


# Every factory user signs in with this password.
PASSWORD = "correct horse battery staple"


@functools.cache
def _password_hash() -> str:
    # Hashing is deliberately slow; hash once per test run, not once per user.
    return make_password(PASSWORD)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.LazyFunction(_password_hash)
