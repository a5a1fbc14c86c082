from django.urls import path

from exitentry.ops import views

app_name = "ops"
urlpatterns = [
    path("metrics", views.prometheus_metrics, name="metrics"),
]
