"""Policy in the admin: looking up standards and screening runs.

Standards are entered on the standards page (or `jiuzhu policy set`), where every value is checked against
the catalogue and its region; the admin only shows them, with their change history. Screening runs carry
counts, not personal data; their per-household results are read on the run's page, through the registry's
selectors, and are not in the admin at all.
"""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jiuzhu.core.scope import user_region_prefix
from jiuzhu.policy.models import ParameterValue, ScreeningRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ParameterValue)
class ParameterValueAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["region_code", "name", "effective_from", "value", "source_document", "created_by"]
    list_filter = ["name"]
    search_fields = ["^region_code", "name", "source_document"]
    list_select_related = ["created_by"]
    ordering = ["region_code", "name", "-effective_from"]


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "region_code", "as_of", "status", "households_screened", "tier_changes",
                    "amount_changes", "started_by", "started_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["started_by"]
    exclude = ["errors"]  # household ids and their faults: shown on the run's page, within scope

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        prefix = user_region_prefix(request.user)
        if prefix is None:
            return qs.none()
        return qs.filter(region_code__startswith=prefix) if prefix else qs
