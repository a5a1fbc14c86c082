"""Pages of the routing app (included in `exitentry.urls` when it has some)."""

app_name = "routing"
urlpatterns: list = []
