from django.urls import path

from exitentry.consult import views

app_name = "consult"
urlpatterns = [
    path("", views.help_centre, name="help"),
    path("a/<slug:slug>/", views.article_detail, name="article"),
    path("missing-translations/", views.missing_translations, name="missing"),
    path("hotline/", views.hotline, name="hotline"),
    path("hotline/<int:ticket_id>/", views.ticket_page, name="ticket"),
    path("hotline/<int:ticket_id>/<slug:action>/", views.ticket_action, name="ticket_action"),
    path("escalations/", views.escalations, name="escalations"),
    path("home-visits/", views.home_visits, name="home_visits"),
    path("home-visits/manage/", views.manage_home_visits, name="manage_home_visits"),
]
