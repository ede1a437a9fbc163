from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngineConfig(AppConfig):
    name = "jiuzhu.engine"
    label = "engine"
    verbose_name = _("Batch engine")
