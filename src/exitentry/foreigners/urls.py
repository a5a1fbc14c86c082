from django.urls import path

from exitentry.foreigners import views

app_name = "foreigners"

urlpatterns = [
    path("", views.start, name="start"),
    path("apply/", views.apply, name="apply"),
    path("applications/", views.mine, name="mine"),
    path("applications/<str:number>/", views.case, name="case"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/<int:item_id>/", views.decide, name="decide"),
    path("port-visas/", views.port_visas, name="port_visas"),
    path("port-visas/<int:visa_id>/", views.port_visa, name="port_visa"),
]
