from django.urls import path

from jiuzhu.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.application_list_view, name="list"),
    path("timeliness/", views.timeliness, name="timeliness"),
    path("new/", views.application_new_household, name="new_household"),
    path("new/<int:household_pk>/", views.application_new, name="new"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/steps/<str:step>/", views.application_step, name="step"),
    path("<int:pk>/notices/<int:notice_pk>/", views.notice_print, name="notice"),
    path("<int:pk>/letter/", views.decision_letter, name="letter"),
]
