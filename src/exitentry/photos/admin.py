from __future__ import annotations

from django.contrib import admin

from exitentry.photos.models import PhotoBurst, PhotoShot, PhotoSpec


@admin.register(PhotoSpec)
class PhotoSpecAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "output_width_px",
        "output_height_px",
        "acceptance_threshold",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["code"]


class PhotoShotInline(admin.TabularInline):
    model = PhotoShot
    fields = ("index", "score", "accepted", "problems")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(PhotoBurst)
class PhotoBurstAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "channel", "best_index", "person", "created_at"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["person", "submitted_by", "overridden_by"]
    readonly_fields = [
        "status",
        "best_index",
        "override_reason",
        "overridden_by",
        "overridden_at",
        "created_at",
    ]
    inlines = [PhotoShotInline]
