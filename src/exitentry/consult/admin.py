from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from exitentry.consult import services
from exitentry.consult.models import Article, ConsultPolicy, HomeVisitRequest, MobileTeam, Ticket
from exitentry.core.i18n import LANGUAGE_CODES, missing_languages


class MissingTranslationFilter(admin.SimpleListFilter):
    title = _("translation")
    parameter_name = "missing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("any", str(_("Missing in some language"))), *((code, code) for code in LANGUAGE_CODES)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        value = self.value()
        if not value:
            return queryset
        ids = [
            a.pk
            for a in queryset.only("pk", "questions", "answers")
            if (missing := set(missing_languages(a.questions)) | set(missing_languages(a.answers)))
            and (value == "any" or value in missing)
        ]
        return queryset.filter(pk__in=ids)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["slug", "__str__", "category", "is_published", "missing", "updated_at"]
    list_filter = [MissingTranslationFilter, "category", "is_published"]
    search_fields = ["slug"]
    readonly_fields = ["updated_at"]

    @admin.display(description=_("missing languages"))
    def missing(self, obj: Article) -> str:
        return ", ".join(sorted(set(missing_languages(obj.questions)) | set(missing_languages(obj.answers))))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Drafts may be saved incomplete; the missing-translation filter and report list them.
        services.save_article(obj, actor=request.user, request=request, require_all_languages=False)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_article(obj, actor=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for article in queryset:
            services.delete_article(article, actor=request.user, request=request)


@admin.register(ConsultPolicy)
class ConsultPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "effective_from",
        "effective_to",
        "max_verification_attempts",
        "home_visit_min_age",
        "home_visit_group_more_than",
        "visit_minutes",
        "travel_speed_kmh",
    ]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_record(obj, actor=request.user, request=request)


@admin.register(MobileTeam)
class MobileTeamAdmin(admin.ModelAdmin):
    list_display = ["code", "__str__", "service_point", "day_starts", "day_ends", "is_active"]
    list_filter = ["is_active"]
    raw_id_fields = ["service_point"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_record(obj, actor=request.user, request=request)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through the console and the pages, so that every change is audited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "agent", "language", "status", "category", "outcome", "created_at"]
    list_filter = ["status", "category", "outcome", "language"]
    search_fields = ["number"]
    exclude = ["person"]


@admin.register(HomeVisitRequest)
class HomeVisitRequestAdmin(ReadOnlyAdmin):
    list_display = ["number", "ground", "status", "service_point", "team", "visit_start"]
    list_filter = ["status", "ground"]
    search_fields = ["number"]
    exclude = ["person", "phone", "address", "latitude", "longitude", "proof"]
