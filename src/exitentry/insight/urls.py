"""Pages of the insight app: /insight/ for managers, /figures/ for everyone."""

from django.urls import path

from exitentry.insight import views

app_name = "insight"
urlpatterns = [
    path("insight/", views.dashboard, name="dashboard"),
    path("insight/export/", views.export, name="export"),
    path("insight/capacity/", views.capacity_view, name="capacity"),
    path("figures/", views.figures, name="figures"),
]
