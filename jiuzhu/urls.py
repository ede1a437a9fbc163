from django.contrib import admin
from django.urls import include, path

from jiuzhu.api.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("policy/", include("jiuzhu.policy.urls")),
    path("cases/", include("jiuzhu.cases.urls")),
    path("monitoring/", include("jiuzhu.monitoring.urls")),
    path("payments/", include("jiuzhu.payments.urls")),
    path("", include("jiuzhu.web.urls")),
]
