"""Response headers the project adds itself (Django 5.2 has no Content-Security-Policy)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY: the browser runs and loads only the app's own files.

    It covers the Django admin too: in 5.2 its templates carry no inline scripts
    or style attributes, and its JavaScript styles elements through the CSSOM,
    which the policy allows.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy: str = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
