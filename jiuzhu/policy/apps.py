from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "jiuzhu.policy"
    label = "policy"
    verbose_name = _("Policy: standards and rules")

    def ready(self) -> None:
        from jiuzhu.policy import checks  # noqa: F401
