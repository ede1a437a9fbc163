"""The registry in the admin, behind the same rule as every page: the selectors.

Each admin's queryset comes from `household_scope` / `person_scope`, so a township assistant with staff
status sees only their township's households here too; out-of-scope ids behave as if they did not exist
(also in the history views, which simple-history would otherwise answer from the history table alone).
Roles decide what staff may do (read, change), like everywhere else; only superusers delete, because a
household leaves the registry through its status, not by deletion. ID and phone numbers are masked in
lists and, once saved, in forms: seeing a full number is a reveal, which is done (and audited) on the
household page.
"""
from django import forms
from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from jiuzhu.core.idnumber import IdNumberError, parse_id_number
from jiuzhu.core.masking import mask_account_number, mask_id_number, mask_phone
from jiuzhu.core.roles import can_read_registry, can_write_registry
from jiuzhu.core.scope import region_list
from jiuzhu.registry.models import (
    Asset,
    Household,
    ImportBatch,
    IncomeItem,
    LegalSupporter,
    Person,
    RigidExpense,
    TierMembership,
)
from jiuzhu.registry.selectors import household_scope, person_scope

MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "bank_account": mask_account_number}


class MaskingHistoryHelper(HistoricalRecordContextHelper):
    """The admin's history diff shows changed ID, phone and account numbers masked."""

    def prepare_delta_change_value(self, change, value):
        if change.field in MASKERS:
            return MASKERS[change.field](value)
        return super().prepare_delta_change_value(change, value)


class ScopedAdmin(SimpleHistoryAdmin):
    """Base of every registry admin: scope from the selectors, permissions from the roles."""

    # Related objects that a form may point to, and the selector that limits them.
    scoped_foreign_keys = {
        "household": household_scope,
        "person": person_scope,
        "supported_person": person_scope,
        "head": person_scope,
    }
    # Full numbers never appear in list, form or history once stored.
    masked_fields: tuple[str, ...] = ()

    def scope(self, request):
        raise NotImplementedError

    def get_queryset(self, request):
        qs = self.scope(request)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        selector = self.scoped_foreign_keys.get(db_field.name)
        if selector is not None:
            kwargs["queryset"] = selector(user=request.user)
        elif db_field.name == "region":
            kwargs["queryset"] = region_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if obj is not None:
            exclude += list(self.masked_fields)
        return exclude

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += [f"masked_{name}" for name in self.masked_fields]
        return readonly

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None:
            # Put each masked value where its field would have been.
            for name in self.masked_fields:
                if f"masked_{name}" in fields:
                    fields.remove(f"masked_{name}")
                fields.insert(min(self._field_position(name), len(fields)), f"masked_{name}")
        return fields

    def _field_position(self, name: str) -> int:
        names = [f.name for f in self.model._meta.fields if f.editable and not f.auto_created]
        return names.index(name) if name in names else len(names)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and can_read_registry(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request) and can_write_registry(request.user)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request) and can_write_registry(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and self.has_module_permission(request)

    def _check_in_scope(self, request, object_id) -> None:
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskingHistoryHelper(self.model, historical_record)


def _masked(name: str, masker, label):
    def display(self, obj):
        return masker(getattr(obj, name)) or "—"

    display.short_description = label
    return display


class ValidIdNumberForm(forms.ModelForm):
    """A new ID number typed into the admin is validated and stored in its canonical form."""

    def clean_id_number(self):
        raw = self.cleaned_data.get("id_number")
        if not raw:
            return raw
        try:
            return parse_id_number(raw).number
        except IdNumberError as err:
            raise forms.ValidationError(err.message, code=str(err.code)) from None


class MemberInline(admin.TabularInline):
    """Members shown on the household, read-only and masked; each links to its own form."""

    model = Person
    fields = ["name", "masked_id_number", "sex", "birth_date", "relation"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    masked_id_number = _masked("id_number", mask_id_number, _("ID number"))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return can_read_registry(request.user)


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ["id", "head_name", "head_id_number", "region", "address", "hukou", "status"]
    list_filter = ["status", "hukou"]
    list_select_related = ["region", "head"]
    search_fields = ["head__name", "=head__id_number", "address"]
    autocomplete_fields = ["region"]
    raw_id_fields = ["head"]
    masked_fields = ("bank_account",)
    inlines = [MemberInline]

    masked_bank_account = _masked("bank_account", mask_account_number, _("bank account"))

    def scope(self, request):
        return household_scope(user=request.user)

    @admin.display(description=_("head"), ordering="head__name")
    def head_name(self, obj):
        return obj.head.name if obj.head_id else "—"

    @admin.display(description=_("ID number"))
    def head_id_number(self, obj):
        return mask_id_number(obj.head.id_number) if obj.head_id else "—"


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    form = ValidIdNumberForm
    list_display = ["name", "masked_id_number", "household", "relation", "sex", "birth_date"]
    list_select_related = ["household", "household__head"]
    list_filter = ["sex", "relation", "labour_capacity", "hukou"]
    search_fields = ["name", "=id_number"]
    autocomplete_fields = ["household"]
    masked_fields = ("id_number", "phone")

    masked_id_number = _masked("id_number", mask_id_number, _("ID number"))
    masked_phone = _masked("phone", mask_phone, _("phone"))

    def scope(self, request):
        return person_scope(user=request.user)


class HouseholdPartAdmin(ScopedAdmin):
    """Income items, assets, expenditure, supporters and tiers belong to a household in scope."""

    list_select_related = ["household", "household__head"]
    autocomplete_fields = ["household"]

    def scope(self, request):
        return self.model.objects.filter(household__in=household_scope(user=request.user))


@admin.register(IncomeItem)
class IncomeItemAdmin(HouseholdPartAdmin):
    list_display = ["household", "person", "kind", "monthly_amount"]
    list_select_related = ["household", "household__head", "person"]
    list_filter = ["kind"]
    raw_id_fields = ["person"]


@admin.register(Asset)
class AssetAdmin(HouseholdPartAdmin):
    list_display = ["household", "kind", "value", "vehicle_kind"]
    list_filter = ["kind"]


@admin.register(RigidExpense)
class RigidExpenseAdmin(HouseholdPartAdmin):
    list_display = ["household", "kind", "amount_12m"]
    list_filter = ["kind"]


@admin.register(LegalSupporter)
class LegalSupporterAdmin(HouseholdPartAdmin):
    form = ValidIdNumberForm
    list_display = ["name", "masked_id_number", "household", "supported_person", "relation"]
    list_select_related = ["household", "household__head", "supported_person"]
    raw_id_fields = ["supported_person"]
    masked_fields = ("id_number",)

    masked_id_number = _masked("id_number", mask_id_number, _("ID number"))


@admin.register(TierMembership)
class TierMembershipAdmin(HouseholdPartAdmin):
    list_display = ["household", "tier", "person", "start_date", "end_date", "monthly_amount"]
    list_select_related = ["household", "household__head", "person"]
    list_filter = ["tier"]
    raw_id_fields = ["person"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Import batches are the record of what was loaded: read-only, and only one's own unless superuser."""

    list_display = ["file_name", "uploaded_by", "uploaded_at", "rows_total", "rows_rejected"]
    list_select_related = ["uploaded_by"]
    # The rejected rows quote the cells they came from, ID numbers included; their report is
    # downloaded from the import page, not shown here.
    fields = readonly_fields = [f.name for f in ImportBatch._meta.fields if f.name != "errors"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(uploaded_by=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
