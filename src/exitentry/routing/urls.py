"""Pages of the routing app, at /network/."""

from django.urls import path

from exitentry.routing import views

app_name = "routing"
urlpatterns = [
    path("recommend/", views.recommend, name="recommend"),
    path("simulator/", views.simulator, name="simulator"),
]
