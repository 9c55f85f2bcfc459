from django import forms


class CatalogSearchForm(forms.Form):
    q = forms.CharField(label="Model or provider", max_length=100, required=False, strip=True)
