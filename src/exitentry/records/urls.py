from django.urls import path

from exitentry.records import views

app_name = "records"
urlpatterns = [
    path("records/", views.my_record, name="my_record"),
    path("records/certificates/<str:code>/", views.certificate, name="certificate"),
    path("records/certificates/<str:code>.pdf", views.certificate_file, name="certificate_file"),
    path("verify/", views.verify, name="verify"),
]
