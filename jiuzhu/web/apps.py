from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "jiuzhu.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        # Connects the login audit receivers (they also cover the admin's login form).
        from jiuzhu.web import signals  # noqa: F401
