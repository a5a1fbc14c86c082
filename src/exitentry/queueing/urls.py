from django.urls import path

from exitentry.queueing import views

app_name = "queueing"
urlpatterns = [
    path("<int:point_id>/machine/", views.machine, name="machine"),
    path("<int:point_id>/machine/appointment/", views.machine_appointment, name="machine_appointment"),
    path("<int:point_id>/machine/walk-in/", views.machine_walk_in, name="machine_walk_in"),
    path("<int:point_id>/machine/ticket/<str:token>/", views.machine_ticket, name="machine_ticket"),
    path("<int:point_id>/display/", views.display, name="display"),
    path("<int:point_id>/display/calls/", views.display_calls, name="display_calls"),
    path("<int:point_id>/display/board/", views.display_board, name="display_board"),
    path("<int:point_id>/live/", views.live, name="live"),
    path("<int:point_id>/live/panel/", views.live_panel, name="live_panel"),
    path("counter/", views.console, name="counter"),
    path("counter/queue/", views.console_queue, name="counter_queue"),
    path("counter/<int:counter_id>/<slug:action>/", views.console_action, name="counter_action"),
]
