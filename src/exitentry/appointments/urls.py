from django.urls import path

from exitentry.appointments import views

app_name = "appointments"
urlpatterns = [
    path("", views.my_appointments, name="mine"),
    path("book/", views.choose_service, name="book"),
    path("book/day/", views.choose_day, name="day"),
    path("book/time/", views.choose_slot, name="slot"),
    path("book/confirm/", views.confirm, name="confirm"),
    path("<int:appointment_id>/", views.detail, name="detail"),
    path("<int:appointment_id>/cancel/", views.cancel, name="cancel"),
]
