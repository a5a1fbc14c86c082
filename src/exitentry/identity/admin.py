"""Admin for people and the documents they hold.

Lists show masked identifiers; opening a record shows them in full and is logged with
`record_access`. Saves go through the identity services, so each writes its audit event, and
a held document's status changes only by the actions that follow the allowed transitions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from exitentry.audit.admin import AccessLoggedAdmin
from exitentry.core.errors import DomainError
from exitentry.core.masking import mask_phone
from exitentry.identity import services
from exitentry.identity.forms import PersonAdminForm
from exitentry.identity.models import HeldDocument, HeldDocumentStatus, Person


class _AccessLoggedAdmin(AccessLoggedAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Identity records are corrected or retired, never deleted.
        return False


class HeldDocumentInline(admin.TabularInline):
    model = HeldDocument
    fields = ("document_type", "masked_number", "issued_on", "expires_on", "status", "endorsements")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("document number"))
    def masked_number(self, obj: HeldDocument) -> str:
        return obj.masked_number


@admin.register(Person)
class PersonAdmin(_AccessLoggedAdmin):
    form = PersonAdminForm
    list_display = [
        "full_name",
        "masked_id_number",
        "nationality",
        "sex",
        "masked_phone",
        "fingerprints_on_file",
        "exit_restricted",
    ]
    list_filter = ["nationality", "sex", "fingerprints_on_file", "exit_restricted"]
    search_fields = ["=id_number", "full_name", "=phone"]
    raw_id_fields = ["household_city"]
    readonly_fields = ["created_at"]
    inlines = [HeldDocumentInline]

    @admin.display(description=_("resident ID number"))  # encrypted: no ordering
    def masked_id_number(self, obj: Person) -> str:
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone)

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        services.save_person(obj, actor=request.user, changed_fields=form.changed_data, request=request)


@admin.register(HeldDocument)
class HeldDocumentAdmin(_AccessLoggedAdmin):
    list_display = ["masked_number", "document_type", "person", "issued_on", "expires_on", "status"]
    list_filter = ["document_type", "status"]
    search_fields = ["=number", "=person__id_number"]
    raw_id_fields = ["person"]
    readonly_fields = ["status", "created_at", "updated_at"]
    list_select_related = ["person"]
    actions = ["report_lost", "invalidate"]

    # No ordering by number: the column holds ciphertext.
    @admin.display(description=_("document number"))
    def masked_number(self, obj: HeldDocument) -> str:
        return obj.masked_number

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "person"] if obj is not None else readonly

    def save_model(self, request: HttpRequest, obj: HeldDocument, form: Any, change: bool) -> None:
        # The form has already validated; a conflict found only by the database (a number
        # recorded at the same moment) surfaces as a DomainError with a translated message.
        if change:
            services.update_held_document(
                obj, actor=request.user, changed_fields=form.changed_data, request=request
            )
        else:
            services.register_held_document(obj, actor=request.user, request=request)

    def _change_status(
        self, request: HttpRequest, queryset: QuerySet[HeldDocument], new_status: str, reason: str
    ) -> None:
        changed = refused = 0
        for document in queryset:
            try:
                services.change_document_status(
                    document, new_status, actor=request.user, reason=reason, request=request
                )
            except DomainError:
                refused += 1
            else:
                changed += 1
        if changed:
            self.message_user(
                request,
                ngettext("%(count)d document changed.", "%(count)d documents changed.", changed)
                % {"count": changed},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d document was left as it was: its status does not allow this change.",
                    "%(count)d documents were left as they were: their status does not allow this change.",
                    refused,
                )
                % {"count": refused},
                messages.WARNING,
            )

    @admin.action(description=_("Report the selected documents lost"))
    def report_lost(self, request: HttpRequest, queryset: QuerySet[HeldDocument]) -> None:
        self._change_status(request, queryset, HeldDocumentStatus.REPORTED_LOST, "reported_lost")

    @admin.action(description=_("Invalidate the selected documents"))
    def invalidate(self, request: HttpRequest, queryset: QuerySet[HeldDocument]) -> None:
        self._change_status(request, queryset, HeldDocumentStatus.INVALIDATED, "invalidated_by_staff")
