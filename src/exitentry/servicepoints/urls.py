from django.urls import path

from exitentry.servicepoints import views

app_name = "servicepoints"
urlpatterns = [
    path("", views.point_list, name="list"),
    path("<int:point_id>/", views.point_detail, name="detail"),
]
