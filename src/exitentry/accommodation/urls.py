from django.urls import path

from exitentry.accommodation import views

app_name = "accommodation"
urlpatterns = [
    path("", views.index, name="index"),
    path("hotel/", views.hotel, name="hotel"),
    path("hotel/register/", views.hotel_register, name="hotel_register"),
    path("hotel/upload/", views.hotel_upload, name="hotel_upload"),
    path("hotel/<int:registration_id>/checkout/", views.hotel_checkout, name="hotel_checkout"),
    path("hotel/template.csv", views.csv_template, name="csv_template"),
    path("private/", views.private_register, name="private"),
    path("private/manage/", views.private_manage, name="private_manage"),
    path("police/", views.police, name="police"),
    path("police/<int:registration_id>/", views.police_detail, name="police_detail"),
]
