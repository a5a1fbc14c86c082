from django.contrib import admin
from django.urls import include, path, re_path

from exitentry.api import api, error_response


def api_not_found(request, *args, **kwargs):
    from django.utils.translation import gettext as _

    return error_response(request, 404, "not_found", _("Nothing was found."))


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
    path("", include("exitentry.core.urls")),
]
