"""The avance immédiate registration form: the client record's checks plus URSSAF's own.

Used by the client (portal), the provider (dashboard) and, without the client's questions, by
the staff correcting an identity before a resend (admin).
"""

import datetime as dt
import re

from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils import timezone

from clients.communes import Commune, commune_on, normalize_name, search_communes
from clients.forms import (
    ClientForm,
    add_service_errors,
    address_fieldset,
    collapse_spaces,
    normalize_department,
    refuse_symbols,
)
from clients.models import FRANCE_INSEE_CODE, Civility, User
from clients.validators import bic_of_iban, normalize_iban, validate_bic, validate_iban

from . import services
from .particulier import BIC_FORMAT, BIC_RE
from .rules import NO_TAX_RETURN, aid_problems, birth_date_problem

YES_NO = [("yes", "Oui"), ("no", "Non")]
CIVILITY_REFUSED = (
    "Civilité : choisissez Madame ou Monsieur. L'URSSAF refuse toute autre forme "
    "(« Mr », « Mme », « M. ou Mme »…)."
)


def _yes_no(label: str, *, help_text: str = "", required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        error_messages={"required": "Répondez par oui ou par non."},
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        required=required,
        help_text=help_text,
    )


# The form's words when the provider or the staff fill it in: (label or "" to keep, help).
ABOUT_THE_CLIENT = {
    "has_filed_tax_return": (
        "Le client a-t-il déjà déposé au moins une déclaration de revenus ?",
        "À son nom, ou au foyer fiscal dont il fait partie.",
    ),
    "known_elsewhere": (
        "Le client a-t-il déjà un compte sur particulier.urssaf.fr (avance immédiate avec un "
        "autre organisme) ?",
        "Si oui, il acceptera la coopérative dans son espace URSSAF au lieu d'activer un "
        "nouveau compte.",
    ),
    "birth_name": (
        "",
        "Le nom inscrit sur l'acte de naissance du client. Un nom d'usage (nom d'épouse…) va "
        "dans le champ suivant.",
    ),
    "first_names": (
        "",
        "Tous ses prénoms, dans l'ordre de son acte de naissance, séparés par un espace.",
    ),
    "account_holder": (
        "",
        "Tel qu'écrit sur le RIB (ex. Mme Jeanne Martin). Laissé vide : son nom.",
    ),
    "email_confirmation": ("Confirmez l'adresse e-mail du client", ""),
}


class AIRegistrationForm(ClientForm):
    """Everything POST /particulier needs, checked before anything is sent to URSSAF.

    The client record's own checks (URSSAF patterns, commune at the birth date, address rules)
    plus: e-mail typed twice, bank details, age, APA/PCH and the prior tax return. A French
    birth commune may be given by name: it is resolved to its INSEE code at the birth date.
    """

    email_confirmation = forms.CharField(
        label="Confirmez l'adresse e-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    has_filed_tax_return = _yes_no(
        "Avez-vous déjà déposé au moins une déclaration de revenus ?",
        help_text="À votre nom, ou au foyer fiscal dont vous faites partie.",
    )
    known_elsewhere = _yes_no(
        "Avez-vous déjà un compte sur particulier.urssaf.fr (avance immédiate avec un autre "
        "organisme) ?",
        help_text=(
            "Si oui, vous accepterez la coopérative dans votre espace URSSAF au lieu d'activer "
            "un nouveau compte."
        ),
        required=False,
    )
    # Longer than the stored values: people type the spaces of their RIB, removed when cleaned.
    iban = forms.CharField(label="IBAN", max_length=50, required=False)
    bic = forms.CharField(
        label="BIC",
        max_length=20,
        required=False,
        help_text="Laissé vide, il est déduit de l'IBAN quand c'est possible.",
    )

    class Meta(ClientForm.Meta):
        fields = [*ClientForm.Meta.fields, "iban", "bic", "account_holder", "has_filed_tax_return"]
        help_texts = {
            **ClientForm.Meta.help_texts,
            "birth_name": (
                "Le nom inscrit sur votre acte de naissance. Un nom d'usage (nom d'épouse…) va "
                "dans le champ suivant."
            ),
            "first_names": (
                "Tous vos prénoms, dans l'ordre de l'acte de naissance, séparés par un espace."
            ),
            "birth_commune_label": (
                "Naissance en France : le nom de la commune à la date de naissance. Le code "
                "INSEE est retrouvé d'après ce nom et la date."
            ),
            "birth_commune_code": (
                "Facultatif si le nom suffit ; sinon le code INSEE à la date de naissance "
                "(pas le code postal)."
            ),
            "account_holder": (
                "Tel qu'écrit sur le RIB (ex. Mme Jeanne Martin). Laissé vide : votre nom."
            ),
        }

    def __init__(self, *args, for_client: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.for_client = for_client
        if not for_client:  # the provider or the staff fill it in about the client
            for name, (label, help_text) in ABOUT_THE_CLIENT.items():
                self.fields[name].label = label or self.fields[name].label
                self.fields[name].help_text = help_text
        civility = self.fields["civility"]
        assert isinstance(civility, forms.ChoiceField)  # a model field with choices
        civility.widget = forms.RadioSelect()
        civility.choices = [(Civility.MADAME, "Madame"), (Civility.MONSIEUR, "Monsieur")]
        civility.error_messages["invalid_choice"] = CIVILITY_REFUSED
        civility.error_messages["required"] = CIVILITY_REFUSED
        self.fields["birth_department"].required = False
        self.fields["bic"].required = False
        if self.instance.iban:
            # A stored IBAN is never sent back to the browser: leave blank to keep it.
            self.fields["iban"].required = False
            self.fields[
                "iban"
            ].help_text = (
                f"IBAN enregistré : {self.instance.masked_iban}. Laisser vide pour le conserver."
            )
            self.initial["iban"] = ""
        else:
            self.fields["iban"].required = True
        # The record holds a boolean, the radios "yes"/"no": show a recorded yes (the staff
        # correcting an identity must not have to answer for the client again), and leave an
        # unrecorded answer blank rather than showing the model's default as "no".
        answered = self.instance.has_filed_tax_return
        self.initial["has_filed_tax_return"] = "yes" if answered else None
        self.helper.layout = self._layout()

    def _layout(self) -> Layout:
        return Layout(
            Fieldset(
                "Identité",
                "civility",
                Row(Column("birth_name"), Column("usage_name")),
                "first_names",
            ),
            Fieldset(
                "Naissance",
                Row(Column("birth_date"), Column("birth_country_code")),
                Row(
                    Column("birth_department", css_class="col-md-3"),
                    Column("birth_commune_label"),
                    Column("birth_commune_code", css_class="col-md-3"),
                ),
            ),
            Fieldset(
                "Contact",
                Row(Column("email"), Column("email_confirmation")),
                "mobile_phone",
            ),
            address_fieldset(),
            Fieldset(
                "Compte à prélever",
                Row(Column("iban"), Column("bic", css_class="col-md-4")),
                "account_holder",
            ),
            Fieldset(
                "Conditions",
                "apa_beneficiary",
                "pch_beneficiary",
                "has_filed_tax_return",
                "known_elsewhere",
            ),
        )

    def clean_birth_date(self) -> dt.date:
        value = super().clean_birth_date()
        problem = birth_date_problem(value, timezone.localdate())
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_email_confirmation(self) -> str:
        return self.cleaned_data["email_confirmation"].strip().lower()

    def clean_iban(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data.get("iban", "")).upper()
        if not value:
            return self.instance.iban
        validate_iban(value)
        return normalize_iban(value)

    def clean_bic(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data.get("bic", "")).upper()
        if not value:
            value = bic_of_iban(self.cleaned_data.get("iban", ""))
        if not value:
            rib = "votre RIB" if self.for_client else "le RIB du client"
            raise forms.ValidationError(
                f"Le BIC ne se déduit pas de cet IBAN : recopiez-le depuis {rib} "
                "(8 ou 11 caractères, par ex. BNPAFRPPXXX)."
            )
        validate_bic(value)
        if not BIC_RE.fullmatch(value):  # stricter than ISO 9362 (API.md §3.1)
            raise forms.ValidationError(f"BIC invalide pour l'URSSAF : {BIC_FORMAT}.")
        return value

    def clean_account_holder(self) -> str:
        return refuse_symbols(collapse_spaces(self.cleaned_data.get("account_holder", "")))

    def clean_has_filed_tax_return(self) -> bool:
        if self.cleaned_data.get("has_filed_tax_return") is not True:
            raise forms.ValidationError(NO_TAX_RETURN)
        return True

    def clean(self) -> dict:
        cleaned = super().clean()
        email, confirmation = cleaned.get("email"), cleaned.get("email_confirmation")
        if email and confirmation and email != confirmation:
            self.add_error("email_confirmation", "Les deux adresses e-mail ne sont pas identiques.")
        aids = aid_problems(
            apa=bool(cleaned.get("apa_beneficiary")),
            pch=bool(cleaned.get("pch_beneficiary")),
            day=timezone.localdate(),
        )
        for field, message in aids.items():
            self.add_error(field, message)
        return cleaned

    def _check_birth_place(self, cleaned: dict) -> None:
        if cleaned.get("birth_country_code") == FRANCE_INSEE_CODE and cleaned.get("birth_date"):
            self._complete_birth_commune(cleaned, cleaned["birth_date"])
        super()._check_birth_place(cleaned)

    def _complete_birth_commune(self, cleaned: dict, birth_date: dt.date) -> None:
        """Fill the INSEE code from the name, and the department from the code, at birth."""
        code, label = cleaned.get("birth_commune_code"), cleaned.get("birth_commune_label")
        if not code and label and "birth_commune_code" not in self.errors:
            department = cleaned.get("birth_department", "")
            found = _communes_named(label, birth_date, department)
            if len(found) != 1:
                elsewhere = _communes_named(label, birth_date) if department else []
                problem = _commune_search_problem(found, elsewhere, birth_date)
                self.add_error("birth_commune_code", problem)
                return
            code = cleaned["birth_commune_code"] = found[0].code
            cleaned["birth_commune_label"] = found[0].name
        commune = commune_on(code, birth_date) if code else None
        if commune and not cleaned.get("birth_department"):
            cleaned["birth_department"] = normalize_department(commune.department)

    def registration_data(self) -> dict:
        """Return the client fields to store, without the form-only questions."""
        return {field: self.cleaned_data[field] for field in self.Meta.fields}

    def save_through_service(self, *, by: User) -> bool:
        """Validate, then store the client's fields through `ai_client_prepare` (checked and
        audited there). Return True once stored; else the errors are on the form."""
        if not self.is_valid():
            return False
        try:
            services.ai_client_prepare(client=self.instance, data=self.registration_data(), by=by)
        except forms.ValidationError as exc:
            add_service_errors(self, exc)
            return False
        return True


def _communes_named(label: str, birth_date: dt.date, department: str = "") -> list[Commune]:
    """Return the communes so named on the birth date, the exact name first if there is one.

    A name also used by today's merged commune (Saint-Denis absorbed Pierrefitte-sur-Seine in
    2025) brings back the communes it covers: the one of that very name is the one meant.
    """
    found = search_communes(label, birth_date, department)
    exact = [c for c in found if normalize_name(c.name) == normalize_name(label)]
    return exact or found


def _commune_search_problem(found: list, elsewhere: list, birth_date: dt.date) -> str:
    on = f"{birth_date:%d/%m/%Y}"
    if found:
        listed = ", ".join(str(commune) for commune in found[:8])
        return f"Plusieurs communes portent ce nom le {on} : indiquez le code INSEE ({listed})."
    if elsewhere:
        # Typically today's department for a commune that belonged to another one at birth
        # (Seine and Seine-et-Oise were split in 1968, Corsica in 1976).
        listed = ", ".join(f"{c} dans le département {c.department}" for c in elsewhere[:8])
        return f"Aucune commune de ce nom dans ce département le {on}. À cette date : {listed}."
    return (
        f"Aucune commune de ce nom n'existait le {on} : vérifiez l'orthographe ou indiquez "
        "le code INSEE."
    )


class AIStaffCorrectionForm(AIRegistrationForm):
    """The staff's correction before a resend: the same checks, without the client's questions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, for_client=False, **kwargs)
        for name in ("email_confirmation", "known_elsewhere"):
            del self.fields[name]
        self.helper = None
