"""Model and form fields for identity numbers: any written form in, 12 canonical digits stored."""

from django import forms
from django.db import models

from .identity import parse_identity_number, validate_canonical_identity_number


class IdentityNumberFormField(forms.CharField):
    """Accepts YYMMDD-NNNN, YYYYMMDDNNNN and the other written forms; cleans to 12 digits."""

    def __init__(self, *, allow_coordination: bool = True, **kwargs):
        self.allow_coordination = allow_coordination
        kwargs.setdefault("max_length", 13)
        kwargs.setdefault("min_length", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "off")
        self.widget.attrs.setdefault("inputmode", "numeric")

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return parse_identity_number(value, allow_coordination=self.allow_coordination).value

    def validate(self, value):
        super().validate(value)

    def run_validators(self, value):
        # Parsing in to_python already validated; model validators would repeat it.
        return


class IdentityNumberField(models.CharField):
    """Personnummer or samordningsnummer stored as 12 digits (YYYYMMDDNNNN)."""

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 12
        kwargs.setdefault("validators", [validate_canonical_identity_number])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        kwargs.pop("validators", None)
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", IdentityNumberFormField)
        field = super().formfield(**kwargs)
        return field
