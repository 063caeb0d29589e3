"""Private file storage: uploads live outside every public path, under random names."""

import os
import secrets
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="outsourcing.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """Files with no public URL under PRIVATE_MEDIA_ROOT; a permission-checked view streams them.

    The root is read from settings on every use so tests can point it elsewhere.
    """

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Private files have no URL; serve them through a view.")


private_storage = PrivateStorage()


@deconstructible(path="outsourcing.storage.RandomName")
class RandomName:
    """upload_to that keeps only the extension of the uploaded name, so no URL can be guessed."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: Any, filename: str) -> str:
        suffix = PurePath(filename).suffix.lower()[:10]
        return f"{self.folder}/{secrets.token_urlsafe(24)}{suffix}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder
