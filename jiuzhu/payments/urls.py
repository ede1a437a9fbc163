from django.urls import path

from jiuzhu.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.payrolls, name="payrolls"),
    path("funds/", views.funds, name="funds"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/<str:step>/", views.review_step, name="review_step"),
    path("<int:pk>/", views.payroll_detail, name="payroll"),
    path("<int:pk>/approve/", views.payroll_approve_view, name="approve"),
    path("<int:pk>/bank-files/", views.bank_export, name="bank_export"),
    path("<int:pk>/bank-files/<int:file_pk>/", views.bank_file_download, name="bank_file"),
    path("<int:pk>/return/", views.bank_return, name="bank_return"),
    path("<int:pk>/lines/<int:line_pk>/account/", views.line_account, name="line_account"),
    path("<int:pk>/reissue/", views.reissue, name="reissue"),
]
