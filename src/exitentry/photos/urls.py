from django.urls import path

from exitentry.photos import views

app_name = "photos"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("bursts/<int:burst_id>/", views.burst, name="burst"),
    path("bursts/<int:burst_id>/photo.jpg", views.burst_photo, name="burst_photo"),
    path("bursts/<int:burst_id>/shots/<int:index>.jpg", views.shot_image, name="shot_image"),
]
