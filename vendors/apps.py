from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "vendors"
    verbose_name = "Vendor registry"

    def ready(self) -> None:
        from . import badges  # noqa: F401  (registers the colours of this app's badges)
