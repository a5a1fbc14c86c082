"""Admin: the transit policy is data an administrator keeps current (new nationalities, ports)."""

from __future__ import annotations

from django.contrib import admin

from exitentry.transit.models import EligibleNationality, EntryPort, Place, TransitPolicy


@admin.register(TransitPolicy)
class TransitPolicyAdmin(admin.ModelAdmin):
    list_display = ("stay_hours", "clock_start", "effective_from", "effective_to")


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("iso3", "__str__", "kind")
    list_filter = ("kind",)
    search_fields = ("iso3",)


@admin.register(EligibleNationality)
class EligibleNationalityAdmin(admin.ModelAdmin):
    list_display = ("place", "effective_from", "effective_to")
    list_select_related = ("place",)
    autocomplete_fields = ("place",)


@admin.register(EntryPort)
class EntryPortAdmin(admin.ModelAdmin):
    list_display = ("code", "__str__", "kind", "time_zone", "effective_from", "effective_to")
    list_filter = ("kind",)
    search_fields = ("code",)
