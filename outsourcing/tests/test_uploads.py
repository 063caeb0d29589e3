"""Uploaded documents are checked by size, extension and content, and served as downloads."""

from io import BytesIO
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory

from outsourcing.storage import private_storage
from outsourcing.uploads import (
    TooLargeUpload,
    UploadSizeCap,
    private_file_response,
    validate_document,
)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("contract.pdf", b"%PDF-1.7\n%..."),
        ("Report.PDF", b"%PDF-1.4 rest"),
        ("proposal.docx", b"PK\x03\x04rest-of-zip"),
        ("evidence.png", b"\x89PNG\r\n\x1a\nrest"),
        ("scan.jpeg", b"\xff\xd8\xff\xe0rest"),
        ("values.csv", "name,value\nRéponse,1\n".encode()),
    ],
)
def test_it_accepts_documents_whose_content_matches_their_name(name: str, content: bytes) -> None:
    validate_document(upload(name, content))


def test_it_refuses_a_program_renamed_to_pdf() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_document(upload("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00 this is an exe"))

    assert refused.value.code == "file_content"
    assert "does not match its PDF name" in refused.value.messages[0]


def test_it_refuses_a_file_type_it_does_not_take() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_document(upload("setup.exe", b"MZ\x90\x00"))

    assert refused.value.code == "file_type"
    assert "PDF" in refused.value.messages[0]


def test_it_refuses_binary_content_in_a_text_file() -> None:
    with pytest.raises(ValidationError):
        validate_document(upload("data.csv", b"\x00\x01\x02binary"))


def test_it_refuses_an_empty_file() -> None:
    with pytest.raises(ValidationError):
        validate_document(upload("empty.pdf", b""))


def test_it_refuses_a_file_over_the_size_limit_and_says_both_sizes(
    settings: LazySettings,
) -> None:
    settings.MAX_UPLOAD_SIZE = 1024

    with pytest.raises(ValidationError) as refused:
        validate_document(upload("big.pdf", b"%PDF-" + b"x" * 2048))

    assert refused.value.code == "too_large"
    assert "2.0\xa0KB" in refused.value.messages[0]
    assert "1.0\xa0KB" in refused.value.messages[0]


def test_a_private_file_is_served_as_an_attachment_that_is_never_sniffed() -> None:
    name = private_storage.save("evidence/abc.pdf", upload("x.pdf", b"%PDF-1.7 body"))
    stored = private_storage.open(name, "rb")

    response = private_file_response(stored, download_name="SOC 2 report.pdf")

    assert response["Content-Disposition"].startswith("attachment;")
    assert "SOC 2 report.pdf" in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response) == b"%PDF-1.7 body"


def test_private_files_have_no_public_url() -> None:
    with pytest.raises(NotImplementedError):
        private_storage.url("evidence/abc.pdf")


def _parse(body: bytes, boundary: str, handlers: list[FileUploadHandler]) -> Any:
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(len(body)),
    }
    return MultiPartParser(meta, BytesIO(body), handlers).parse()


def _multipart(file_content: bytes, boundary: str = "BoUnDaRy") -> bytes:
    return (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="document"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + file_content
        + f"\r\n--{boundary}\r\n"
        'Content-Disposition: form-data; name="name"\r\n\r\n'
        f"ISO 27001\r\n--{boundary}--\r\n".encode()
    )


def test_a_file_past_the_limit_stops_being_kept_and_arrives_as_its_size_alone(
    settings: LazySettings,
) -> None:
    settings.MAX_UPLOAD_SIZE = 256 * 1024
    size = settings.MAX_UPLOAD_SIZE * 4
    request = RequestFactory().post("/")
    cap, kept = UploadSizeCap(request), TemporaryFileUploadHandler(request)
    request.upload_handlers = [cap, kept]

    post, files = _parse(_multipart(b"%PDF-" + b"x" * (size - 5)), "BoUnDaRy", [cap, kept])

    document = files["document"]
    assert isinstance(document, TooLargeUpload)
    assert (document.name, document.size, document.read()) == ("big.pdf", size, b"")
    assert post["name"] == "ISO 27001"  # the fields after the file still arrive
    assert kept.file.closed  # the part written before the limit is let go at once
    with pytest.raises(ValidationError) as refused:
        validate_document(document)
    assert refused.value.code == "too_large"


def test_a_file_within_the_limit_is_kept_whole(settings: LazySettings) -> None:
    settings.MAX_UPLOAD_SIZE = 256 * 1024
    content = b"%PDF-" + b"x" * (settings.MAX_UPLOAD_SIZE - 5)

    _, files = _parse(
        _multipart(content), "BoUnDaRy", [UploadSizeCap(), TemporaryFileUploadHandler()]
    )

    assert files["document"].read() == content
