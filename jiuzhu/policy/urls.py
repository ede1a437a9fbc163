from django.urls import path

from jiuzhu.policy import views

app_name = "policy"

urlpatterns = [
    path("standards/", views.standards, name="standards"),
    path("standards/values/", views.standard_set, name="standard_set"),
    path("standards/import/", views.standards_import, name="standards_import"),
    path("households/<int:pk>/screen/", views.household_screen, name="household_screen"),
    path("screening/", views.screening, name="screening"),
    path("screening/what-if/", views.screening_whatif, name="screening_whatif"),
    path("screening/<int:pk>/", views.screening_run, name="screening_run"),
]
