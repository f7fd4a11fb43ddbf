from django import forms


class DummySettingsForm(forms.Form):
    """The dummy plugin's per-tenant settings (validated on the plugin page and in the API)."""

    greeting = forms.CharField(max_length=40)
    max_things = forms.IntegerField(min_value=1, max_value=100, required=False)

    def clean_max_things(self):
        return self.cleaned_data["max_things"] or 10
