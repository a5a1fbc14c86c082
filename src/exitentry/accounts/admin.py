from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from exitentry.accounts.models import ApiToken, User


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
