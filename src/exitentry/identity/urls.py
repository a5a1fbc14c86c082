from django.urls import path

from exitentry.identity import views

app_name = "identity"
urlpatterns = [
    path("check/", views.check, name="check"),
]
