from django.urls import path

from exitentry.transit import views

app_name = "transit"
urlpatterns = [
    path("", views.check, name="check"),
]
