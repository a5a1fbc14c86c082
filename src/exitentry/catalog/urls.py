from django.urls import path
from django.views.generic import TemplateView

app_name = "catalog"
urlpatterns = [path("checklist/", TemplateView.as_view(template_name="base.html"), name="checklist")]
