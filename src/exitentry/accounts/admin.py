from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.accounts import totp
from exitentry.accounts.models import ApiToken, TotpDevice, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "role", "first_name", "last_name", "is_active", "last_login"]
    list_filter = ["role", "is_active", "service_points"]
    filter_horizontal = ["service_points", "groups", "user_permissions"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Exit-entry"),
            {"fields": ["role", "phone", "preferred_language", "organisation", "service_points"]},
        ),
    )
    raw_id_fields = ["person"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "expires_at"]
    readonly_fields = ["user", "key_hash", "created_at", "expires_at"]


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    """Authenticators: the secret is never shown; a reset lets a locked-out user set one up again."""

    list_display = ["user", "created_at", "confirmed_at"]
    fields = ["user", "created_at", "confirmed_at"]
    readonly_fields = ["user", "created_at", "confirmed_at"]
    actions = ["reset_authenticators"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Reset the authenticator and recovery codes"))
    def reset_authenticators(self, request: HttpRequest, queryset: QuerySet[TotpDevice]) -> None:
        for device in queryset.select_related("user"):
            totp.reset(device.user, actor=request.user, request=request)  # type: ignore[arg-type]
