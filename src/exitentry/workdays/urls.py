from django.urls import path

from exitentry.workdays import views

app_name = "workdays"
urlpatterns = [path("", views.calendar_page, name="calendar")]
