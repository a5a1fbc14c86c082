from django.contrib import admin
from django.urls import include, path, re_path

from exitentry.api import api, standard_error_response
from exitentry.core.errors import NotFound


def api_not_found(request, *args, **kwargs):
    return standard_error_response(request, NotFound)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("accounts/", include("exitentry.accounts.urls")),
    path("calendar/", include("exitentry.workdays.urls")),
    path("services/", include("exitentry.catalog.urls")),
    path("identity/", include("exitentry.identity.urls")),
    path("service-points/", include("exitentry.servicepoints.urls")),
    path("appointments/", include("exitentry.appointments.urls")),
    path("", include("exitentry.applications.urls")),
    path("payments/", include("exitentry.payments.urls")),
    path("notifications/", include("exitentry.notifications.urls")),
    path("queue/", include("exitentry.queueing.urls")),
    path("network/", include("exitentry.routing.urls")),
    path("kiosk/", include("exitentry.kiosk.urls")),
    path("help/", include("exitentry.consult.urls")),
    path("", include("exitentry.insight.urls")),
    path("transit/", include("exitentry.transit.urls")),
    path("accommodation/", include("exitentry.accommodation.urls")),
    path("foreigners/", include("exitentry.foreigners.urls")),
    path("", include("exitentry.ops.urls")),
    path("photos/", include("exitentry.photos.urls")),
    path("", include("exitentry.records.urls")),
    path("", include("exitentry.core.urls")),
]
