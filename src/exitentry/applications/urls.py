"""Pages of the applications app, included at the site root (they live under three prefixes)."""

from django.urls import path

from exitentry.applications import views

app_name = "applications"
urlpatterns = [
    path("applications/", views.start, name="start"),
    path("applications/apply/", views.choose, name="apply"),
    path("applications/apply/details/", views.details, name="details"),
    path("applications/apply/options/", views.options, name="options"),
    path("applications/apply/face-check/", views.face_check, name="face_check"),
    path("applications/apply/documents/", views.materials, name="materials"),
    path("applications/apply/check/", views.check, name="check"),
    path("applications/mine/", views.mine, name="mine"),
    path("applications/uploads/<int:upload_id>/", views.upload_file, name="upload_file"),
    path("applications/items/<int:item_id>/withdraw/", views.withdraw, name="withdraw"),
    path("applications/items/<int:item_id>/permit/", views.permit_sent, name="permit_sent"),
    path("applications/enterprise/", views.enterprise, name="enterprise"),
    path("applications/enterprise/sample.xlsx", views.enterprise_sample, name="enterprise_sample"),
    path("applications/enterprise/<int:filing_id>/", views.enterprise_filing, name="enterprise_filing"),
    path("applications/<str:number>/", views.detail, name="detail"),
    path("applications/<str:number>/form.pdf", views.form_pdf, name="form_pdf"),
    path("applications/<str:number>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("applications/<str:number>/upload/", views.upload, name="upload"),
    path("track/", views.track, name="track"),
    path("officer/", views.queue, name="queue"),
    path("officer/sla/", views.sla, name="sla"),
    path("officer/items/<int:item_id>/", views.review, name="review"),
    path("officer/items/<int:item_id>/<slug:action>/", views.officer_action, name="officer_action"),
]
