"""The self-registration form: an invoice proves the link with the cooperative."""

import re

from django import forms
from django.contrib.auth import password_validation

from .models import Role, User


class SignupForm(forms.Form):
    """A client creates their portal account with the number and date of one of their invoices
    or quotes (the fields keep the invoice's name)."""

    invoice_number = forms.CharField(
        label="Numéro d'une de vos factures ou d'un de vos devis",
        max_length=20,
        help_text="En haut du document : par exemple 2026-00042 (facture) ou D2026-00007 (devis).",
    )
    invoice_date = forms.DateField(
        label="Date de ce document",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    email = forms.EmailField(
        label="Votre adresse e-mail",
        help_text="Elle vous servira d'identifiant de connexion.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirmez le mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_invoice_number(self) -> str:
        return re.sub(r"\s", "", self.cleaned_data["invoice_number"]).upper()

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "Un compte existe déjà avec cette adresse : connectez-vous, ou utilisez "
                "« mot de passe oublié » auprès de la coopérative."
            )
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        elif first:
            candidate = User(email=cleaned.get("email") or "", role=Role.CLIENT)
            try:
                password_validation.validate_password(first, user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
