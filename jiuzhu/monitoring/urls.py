from django.urls import path

from jiuzhu.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("feeds/", views.feeds, name="feeds"),
    path("feeds/<int:pk>/", views.batch_detail, name="batch"),
    path("feeds/<int:pk>/report/", views.batch_report, name="batch_report"),
    path("warnings/", views.warnings, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review_decision, name="review_decision"),
    path("loop/", views.loop, name="loop"),
]
