"""Uploaded documents: checked by size, extension and content, served only after a permission check.

Contracts, proposals, certificates and compliance evidence are confidential.
They are stored privately (outsourcing.storage) and leave the app only through
`private_file_response`, which the calling view reaches after asking
engagements.permissions whether this person may see the owning object.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from io import BytesIO
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from outsourcing.roles import can_read, require

# Extension -> what the first bytes of such a file must look like.
PDF = (b"%PDF-",)
ZIP = (b"PK\x03\x04",)  # docx, xlsx, pptx, odt, ods
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # legacy doc, xls, ppt
PNG = (b"\x89PNG\r\n\x1a\n",)
JPEG = (b"\xff\xd8\xff",)
TEXT: tuple[bytes, ...] = ()  # checked as readable text instead

ALLOWED_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": PDF,
    ".docx": ZIP,
    ".xlsx": ZIP,
    ".pptx": ZIP,
    ".odt": ZIP,
    ".ods": ZIP,
    ".doc": OLE,
    ".xls": OLE,
    ".ppt": OLE,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".txt": TEXT,
    ".csv": TEXT,
}
ALLOWED_LIST = ", ".join(sorted(ext.lstrip(".").upper() for ext in ALLOWED_SIGNATURES))


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut off at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


def validate_document(upload: UploadedFile) -> None:
    """Refuse a file that is too large, of a type we do not take, or not what its name says."""
    limit = settings.MAX_UPLOAD_SIZE
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            "This file is %(size)s; the largest accepted is %(limit)s.",
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in ALLOWED_SIGNATURES:
        raise ValidationError(
            "Files of this type are not accepted. Upload one of: %(allowed)s.",
            code="file_type",
            params={"allowed": ALLOWED_LIST},
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    signatures = ALLOWED_SIGNATURES[extension]
    matches = (
        _looks_like_text(head) if not signatures else any(head.startswith(s) for s in signatures)
    )
    if not head or not matches:
        raise ValidationError(
            "The content of this file does not match its %(extension)s name. "
            "Upload the real document.",
            code="file_content",
            params={"extension": extension.lstrip(".").upper()},
        )


class TooLargeUpload(UploadedFile):
    """A file that passed MAX_UPLOAD_SIZE as it arrived: its name and size, no content.

    Every upload field checks the size first (`validate_document`, `read_csv`), so the
    form says "This file is 300.0 MB; the largest accepted is 10.0 MB." beside the field.
    """

    def __init__(self, name: str, size: int, content_type: str, charset: str | None) -> None:
        super().__init__(BytesIO(), name, content_type, size, charset)


class UploadSizeCap(FileUploadHandler):
    """Stops keeping a file once it passes MAX_UPLOAD_SIZE (first in FILE_UPLOAD_HANDLERS).

    Without it Django writes a 300 MB upload whole to a temporary file before the form
    refuses it. Past the limit the handlers after this one (memory, temporary file) get no
    more of the file, and this one only counts the bytes. The rest of the request is still
    read and dropped, not cut off (StopUpload(connection_reset=True)): a server that
    answers before reading the body shows the browser a reset connection, not the form.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > settings.MAX_UPLOAD_SIZE:
            self.too_large = True
        return None if self.too_large else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.too_large:
            return None  # the next handler keeps the file as usual
        # The later handlers hold the first part of the file: free it now, as Django does
        # for a skipped file, rather than when the request is collected.
        handlers = self.request.upload_handlers if self.request is not None else []
        for handler in handlers:
            part = getattr(handler, "file", None) if handler is not self else None
            if part is not None:
                part.close()
        return TooLargeUpload(
            self.file_name or "", file_size, self.content_type or "", self.charset
        )


def content_type_for(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def private_file_response(file: File, *, download_name: str) -> FileResponse:
    """Stream a private file as a download; never rendered inline, never sniffed."""
    response = FileResponse(
        file.open("rb"),
        as_attachment=True,
        filename=download_name,
        content_type=content_type_for(download_name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# A private file field -> the field that keeps the file's name as uploaded (stored names
# are random): every upload here uses one of these pairs.
UPLOAD_NAMES = {
    "file": "original_name",
    "document": "document_name",
    "evidence": "evidence_name",
}


def private_download(
    request: HttpRequest,
    rows: QuerySet[Any],
    *,
    fallback: Callable[[Any], str] | None = None,
    **lookup: Any,
) -> FileResponse:
    """One row's private file as a download, for anyone who may read (roles.can_read).

    The row is found by `lookup` within `rows`, which ties it to the page's engagement,
    selection or vendor; a missing row, file or stored file is a 404. The download is
    named as uploaded, else `fallback(row)` (else the row) with the stored suffix.
    """
    require(can_read(request.user))
    row = get_object_or_404(rows, **lookup)
    names = {field.name for field in row._meta.get_fields()}
    file_field = next(field for field in UPLOAD_NAMES if field in names)
    stored = getattr(row, file_field)
    if not stored:
        raise Http404("There is no file on record.")
    suffix = PurePath(stored.name or "").suffix
    named = getattr(row, UPLOAD_NAMES[file_field])
    download_name = named or f"{fallback(row) if fallback else row}{suffix}"
    try:
        return private_file_response(stored, download_name=download_name)
    except FileNotFoundError as missing:
        raise Http404("The file is missing from storage.") from missing


def document_help_text(*, on_file: str | None, first: str) -> str:
    """What a document field says: the file on record and that another replaces it, or
    (`on_file` None) what to upload first — with the kinds and size accepted."""
    accepted = f"{ALLOWED_LIST}, up to {filesizeformat(settings.MAX_UPLOAD_SIZE)}"
    if on_file is not None:
        # The name came with an upload: escaped, since help text is shown as HTML.
        return format_html(
            "Now: {}. Upload another to replace it ({}).", on_file or "a document", accepted
        )
    return f"{first} ({accepted})."
