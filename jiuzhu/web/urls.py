from django.contrib.auth import views as auth_views
from django.urls import path

from jiuzhu.web import views, views_import

app_name = "web"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True,
        ),
        name="login",
    ),
    # Django's LogoutView accepts POST only, so a link or an image tag cannot log anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("households/", views.household_list, name="household_list"),
    path("households/export/", views_import.household_export, name="household_export"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("persons/<int:pk>/reveal/<str:field>/", views.person_reveal, name="person_reveal"),
    path("import/", views_import.import_upload, name="import"),
    path("import/template/", views_import.import_template_download, name="import_template"),
    path("import/<int:pk>/", views_import.import_detail, name="import_detail"),
    path("import/<int:pk>/errors/", views_import.import_report_download, name="import_report"),
]
