from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from jiuzhu.accounts.models import ApiToken, User
from jiuzhu.core.roles import Role
from jiuzhu.core.scope import region_list, user_region_prefix


class RolesField(forms.MultipleChoiceField):
    """The JSON list of role values, edited as check boxes with the roles' labels."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Role.choices)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("roles"))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value or []


class UserAdminChangeForm(UserChangeForm):
    roles = RolesField()

    class Meta(UserChangeForm.Meta):
        model = User


class UserAdminCreationForm(UserCreationForm):
    roles = RolesField()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "display_name", "home_region", "roles"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    list_display = ["username", "display_name", "home_region", "role_list", "is_staff", "is_active"]
    list_select_related = ["home_region"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email"]
    autocomplete_fields = ["home_region"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Work"), {"fields": ["display_name", "home_region", "roles"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "display_name", "home_region", "roles", "password1", "password2"],
            },
        ),
    ]

    @admin.display(description=_("roles"))
    def role_list(self, obj: User) -> str:
        return "、".join(obj.role_labels())

    def get_queryset(self, request):
        # Staff who may manage accounts do so for their own region subtree only.
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        prefix = user_region_prefix(request.user)
        if prefix is None:
            return qs.none()
        return qs.filter(home_region__code__startswith=prefix) if prefix else qs

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser may hand out superuser status or Django permissions.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser:
            return form

        class RestrictedForm(form):
            # A system administrator without a home region sees the whole country, so only a
            # superuser may create one; everyone else's accounts stay inside a region.
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["roles"].choices = [c for c in Role.choices if c[0] != Role.SYSTEM_ADMIN]
                if "home_region" in self.fields:
                    self.fields["home_region"].required = True

        return RestrictedForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "home_region" and not request.user.is_superuser:
            kwargs["queryset"] = region_list(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `api_token_create`, which shows the key once; here they can only be
    looked at and revoked. The stored hash is never displayed."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "^prefix"]
    fields = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["name", "user", "prefix", "created_at", "last_used_at"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(user=request.user)

    def has_add_permission(self, request):
        return False
