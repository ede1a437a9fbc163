"""Production settings: secrets and hosts must come from the environment."""
from django.core.exceptions import ImproperlyConfigured

from jiuzhu.settings.base import *  # noqa: F401,F403
from jiuzhu.settings.base import SECRET_KEY

DEBUG = False
if SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("Set JIUZHU_SECRET_KEY in production.")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
