from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    label = "cases"
    verbose_name = _("Applications and their workflow")

    def ready(self):
        from jiuzhu.cases import signals  # noqa: F401  (connects the receivers)
