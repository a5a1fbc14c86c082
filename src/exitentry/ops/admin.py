from django.contrib import admin

from exitentry.ops.models import RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ["target", "keep_days", "effective_from", "note"]
    list_filter = ["target"]
