from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.core.models import AuditLog, CalendarDay, HolidayNotice, Region
from jiuzhu.core.scope import user_region_prefix
from jiuzhu.core.workdays import HolidayNoticeError, holiday_notice_load, holiday_notice_validate, notice_from_yaml


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


LOAD_STATUS_LABELS = {
    "created": gettext_lazy("loaded"),
    "replaced": gettext_lazy("replaced the earlier notice"),
    "unchanged": gettext_lazy("unchanged, the same notice was already loaded"),
}


class HolidayNoticeUploadForm(forms.ModelForm):
    """Adding a notice is uploading its YAML file: the same validation and service as `jiuzhu workdays load`."""

    notice_file = forms.FileField(
        label=gettext_lazy("Notice file (YAML)"),
        help_text=gettext_lazy(
            "One year's State Council holiday notice; the format is in jiuzhu/core/data/holidays/README.md. "
            "A file for a year already loaded replaces that year."
        ),
    )

    class Meta:
        model = HolidayNotice
        fields: list[str] = []

    def clean_notice_file(self):
        upload = self.cleaned_data["notice_file"]
        try:
            data = notice_from_yaml(upload.read(), origin=upload.name)
            holiday_notice_validate(data=data)
        except HolidayNoticeError as exc:
            raise forms.ValidationError(exc.messages) from exc
        self.notice_data = data
        return upload


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    fields = ["day", "kind", "name"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HolidayNotice)
class HolidayNoticeAdmin(admin.ModelAdmin):
    """Notices are loaded (uploaded) whole, through the service, and never edited or deleted here: a correction is
    a corrected notice for the same year, which replaces it and is audited."""

    list_display = ["year", "document", "loaded_at", "loaded_by"]
    list_select_related = ["loaded_by"]
    readonly_fields = ["year", "document", "source_url", "loaded_at", "loaded_by"]
    inlines = [CalendarDayInline]
    ordering = ["-year"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = HolidayNoticeUploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["notice_file"]})]
        return [(None, {"fields": self.readonly_fields})]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def save_form(self, request, form, change):
        if change:  # pragma: no cover - notices are not editable here
            return super().save_form(request, form, change)
        result = holiday_notice_load(data=form.notice_data, actor=request.user)
        message = _("%(year)s: %(status)s (%(holidays)s holidays, %(makeup)s make-up working days).") % {
            "year": result.notice.year, "status": LOAD_STATUS_LABELS[result.status],
            "holidays": result.holidays, "makeup": result.makeup_days,
        }
        self.message_user(request, message)
        return result.notice

    def save_model(self, request, obj, form, change):
        pass  # saved by holiday_notice_load in save_form

    def save_related(self, request, form, formsets, change):
        pass

    def has_view_permission(self, request, obj=None):
        # Public reference data, like regions: every staff member may look the calendar up.
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
