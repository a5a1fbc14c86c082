from django.urls import path

from exitentry.kiosk import views

app_name = "kiosk"

urlpatterns = [
    path("", views.start, name="start"),
    path("setup/", views.setup, name="setup"),
    path("language/", views.choose_language, name="language"),
    path("menu/", views.menu, name="menu"),
    path("end/", views.end, name="end"),
    path("ping/", views.ping, name="ping"),
    path("card/", views.card, name="card"),
    path("endorsement/", views.endorsement, name="endorsement"),
    path("endorsement/start/", views.endorsement_start, name="endorsement_start"),
    path("endorsement/<str:number>/", views.endorsement_status, name="endorsement_status"),
    path("endorsement/<str:number>/advance/", views.endorsement_advance, name="endorsement_advance"),
    path("form/", views.form, name="form"),
    path("form/application-form.pdf", views.form_pdf, name="form_pdf"),
    path("photo/", views.photo, name="photo"),
    path("devices/", views.devices, name="devices"),
]
