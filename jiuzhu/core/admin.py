from django.contrib import admin
from django.db.models import Q

from jiuzhu.core.models import AuditLog, Region
from jiuzhu.core.scope import user_region_prefix


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Regions are reference data loaded from the statistical code list; only superusers change them."""

    list_display = ["code", "name", "name_en", "level", "parent", "synthetic"]
    list_filter = ["level", "synthetic"]
    search_fields = ["^code", "name", "name_en"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    ordering = ["code"]

    def has_view_permission(self, request, obj=None):
        # Public reference data: every staff member may look regions up (and the admin's
        # autocomplete of region fields needs this).
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """The audit log is append-only: nobody adds, changes or deletes entries here, superusers included."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "region_code", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["=object_id", "^region_code", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def get_queryset(self, request):
        # A non-superuser auditor sees the entries of their own region subtree: reads of households
        # there, and logins of staff who belong there.
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        prefix = user_region_prefix(request.user)
        if prefix is None:
            return qs.none()
        if prefix == "":
            return qs
        return qs.filter(Q(region_code__startswith=prefix) | Q(actor__home_region__code__startswith=prefix))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
