"""Forms of the tenants app's pages: members and roles, tenant creation, the first administrator's password."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.roles import MUNICIPAL_ONLY_ROLES, Role
from tenants.models import NEW_TENANT_KINDS, Tenant


def role_choices(tenant):
    return [(value, label) for value, label in Role.choices if tenant.is_municipal or value not in MUNICIPAL_ONLY_ROLES]


class MemberAddForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("For a new account only; an existing account is invited and joins when it accepts."),
    )
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, tenant, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(tenant)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    app_roles = forms.MultipleChoiceField(label=_("Module roles"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, tenant, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(tenant)
        from tenants.services import available_app_roles

        choices = [(role.key, role.label) for role in available_app_roles(tenant)]
        if choices:
            self.fields["app_roles"].choices = choices
        else:
            del self.fields["app_roles"]


class TenantRequestForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    short_code = forms.CharField(label=_("Short code"), max_length=30)
    kind = forms.ChoiceField(label=_("Kind"), choices=NEW_TENANT_KINDS)
    parent = forms.ModelChoiceField(label=_("Parent tenant"), queryset=Tenant.objects.none())
    division_code = forms.CharField(label=_("Administrative-division code"), max_length=12, required=False)
    admin_username = forms.CharField(label=_("Administrator's username"), max_length=150, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Tenant.objects.exclude(kind=Tenant.Kind.ENTERPRISE_GROUP).exclude(
            schema_name="public"
        )


class InitialPasswordForm(forms.Form):
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password (again)"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data
