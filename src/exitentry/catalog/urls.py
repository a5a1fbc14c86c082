from django.urls import path

from exitentry.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.service_list, name="services"),
    path("checklist/", views.checklist, name="checklist"),
]
