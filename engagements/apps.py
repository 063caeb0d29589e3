from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "engagements"
    verbose_name = "Engagements"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import badges  # noqa: F401  (registers the colours of this app's badges)
        from .views.notifications import remember_own_time_zone

        # People keep their time zone in their reminder settings; the session carries it.
        user_logged_in.connect(remember_own_time_zone, dispatch_uid="engagements.time_zone")
