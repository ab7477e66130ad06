"""Forms of the account pages: self-registration, the password chosen from a link, resets."""

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from . import services
from .net import client_ip


class SignupForm(forms.Form):
    """A client identifies their record with the number and date of one of their invoices
    or quotes (the fields keep the invoice's name). The link to open the account goes to the
    e-mail the cooperative has on that record, never to one typed here."""

    invoice_number = forms.CharField(
        label="Numéro d'une de vos factures ou d'un de vos devis",
        max_length=20,
        help_text="En haut du document : par exemple 2026-00042 (facture) ou D2026-00007 (devis).",
    )
    invoice_date = forms.DateField(
        label="Date de ce document",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def clean_invoice_number(self) -> str:
        return re.sub(r"\s", "", self.cleaned_data["invoice_number"]).upper()


class AccountPasswordForm(SetPasswordForm):
    """The password of a new account; `user` is the unsaved account, for the similarity check.

    Only validates: `services.account_open` creates the account with the password.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Choisissez votre mot de passe"
        self.fields["new_password2"].label = "Confirmez le mot de passe"


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, sending through the rate-limited service and a task: the answer and
    its timing are the same whether the address has an account or not."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Votre adresse e-mail"
        self.fields["email"].help_text = "Celle avec laquelle vous vous connectez au portail."

    # Not Django's save(): the service sends the mail, through a task, at a constant pace.
    def save(self, *, request, **kwargs) -> None:  # type: ignore[override]
        services.password_reset_request(
            email=self.cleaned_data["email"], visitor=client_ip(request)
        )


class LoginForm(AuthenticationForm):
    """Django's login form, with a refusal in correct French (Django's own reads "Saisissez un
    adresse e-mail…", the field's name dropped into a masculine sentence)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Adresse e-mail ou mot de passe incorrect. Vérifiez-les (majuscules comprises), "
            "ou choisissez un nouveau mot de passe."
        ),
    }
