"""Forms for the provider's screens: the client record, normalised to what URSSAF accepts."""

import datetime as dt
import re
import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .communes import birth_commune_candidates, commune_on
from .countries import country_choices
from .models import (
    FRANCE_INSEE_CODE,
    Civility,
    Client,
    mobile_phone_validator,
    postal_code_validator,
    street_type_choices,
)

# URSSAF's patterns (shared/urssaf/API.md §3.1), with `[^\W\d_]` standing for \pL, which
# Python's `re` lacks. Checking them here turns a later registration error into a form error.
_LETTERS = r"[^\W\d_]"
LAST_NAME_RE = re.compile(rf"^{_LETTERS}(?:(?:{_LETTERS}|[' \-])*{_LETTERS})?$")
_FIRST_NAME = rf"{_LETTERS}+(?:['\-]*{_LETTERS}+)*"
FIRST_NAMES_RE = re.compile(rf"^{_FIRST_NAME}(?: {_FIRST_NAME})*$")
EMAIL_RE = re.compile(
    r"^[-A-Za-z0-9_]+(\.[-A-Za-z0-9_]+)*@[A-Za-z0-9]+((-|\.)[A-Za-z0-9]+)*\.[A-Za-z]+$"
)
# `[0-9]`, not `\d`: Python's `\d` also matches Arabic-Indic and other digits, URSSAF's does not.
BIRTH_DEPARTMENT_RE = re.compile(r"^[09][0-9][0-9AB]$")
STREET_NUMBER_RE = re.compile(r"^(?!0+$)[0-9]{1,20}$")
POSTAL_CODE_RE = re.compile(r"^[0-9]{5}$")
MOBILE_PHONE_RE = re.compile(r"^(0|\+33)[67][0-9]{8}$")
OLDEST_BIRTH_DATE = dt.date(1900, 1, 1)
# Symbols (emoji…) and invisible format characters: dropped from what URSSAF receives, so a
# label made of them would arrive empty. The degree sign is kept for "n°".
SYMBOL_REFUSED = "Caractère non autorisé ici (émoji ou symbole) : lettres, chiffres et ponctuation."


def collapse_spaces(value: str) -> str:
    """Trim, turn typographic apostrophes into plain ones and keep single spaces between words.

    Accents typed as a letter plus a combining mark (some Mac and PDF copies) are composed.
    """
    return " ".join(unicodedata.normalize("NFC", value).replace("\u2019", "'").split())


def refuse_symbols(value: str) -> str:
    """Return `value`; raise a French ValidationError if it holds an emoji or another symbol."""
    if any(unicodedata.category(char)[0] in "SC" and char != "°" for char in value):
        raise ValidationError(SYMBOL_REFUSED)
    return value


def normalize_department(value: str) -> str:
    """Return the three-character department URSSAF expects: `69` → `069`, `2a` → `02A`."""
    value = value.strip().upper()
    return value.zfill(3) if value else ""


def normalize_mobile_phone(value: str) -> str:
    """Drop the separators people type (`06 12 34 56 78`, `06.12…`); `0033` becomes `+33`."""
    compact = re.sub(r"[\s.\-()]", "", value)
    if compact.startswith("0033"):
        compact = "+33" + compact[4:]
    return compact


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on `form`: under its field when the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def address_fieldset() -> Fieldset:
    """Lay out a client's postal address (Client.ADDRESS_FIELDS) as URSSAF splits it."""
    return Fieldset(
        "Adresse",
        Row(
            Column("street_number", css_class="col-md-2"),
            Column("street_letter", css_class="col-md-2"),
            Column("street_type", css_class="col-md-3"),
            Column("street_name"),
        ),
        Row(Column("address_complement"), Column("lieu_dit")),
        Row(Column("postal_code"), Column("city"), Column("city_insee_code")),
    )


class ClientForm(forms.ModelForm):
    """The client's civil status, contact and address, as the provider records them."""

    # Longer than the stored values: people type separators, removed by the clean methods.
    mobile_phone = forms.CharField(
        label="Téléphone mobile",
        max_length=25,
        help_text="06 ou 07, ou +33 6/7 : l'URSSAF n'accepte qu'un mobile.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    postal_code = forms.CharField(
        label="Code postal",
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    birth_country_code = forms.ChoiceField(
        label="Pays de naissance",
        choices=country_choices,
        initial=FRANCE_INSEE_CODE,
        help_text="Le pays tel qu'il s'appelait à la naissance (ex. TCHECOSLOVAQUIE).",
        error_messages={"invalid_choice": "Choisissez le pays de naissance dans la liste."},
    )
    street_type = forms.ChoiceField(
        label="Type de voie",
        required=False,
        choices=[("", "—"), *street_type_choices()],
    )

    class Meta:
        model = Client
        fields = [
            *Client.IDENTITY_FIELDS,
            "email",
            "mobile_phone",
            *Client.ADDRESS_FIELDS,
            "apa_beneficiary",
            "pch_beneficiary",
        ]
        widgets = {
            "birth_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        }
        help_texts = {
            "birth_department": "Naissance en France : ex. 069, 075, 02A, 974.",
            "birth_commune_code": (
                "Naissance en France : code INSEE à la date de naissance, pas le code postal "
                "(ex. 69123)."
            ),
            "birth_commune_label": "Rempli d'après le code INSEE s'il est laissé vide.",
            "city_insee_code": "Code INSEE de la commune de résidence (ex. 69381 pour Lyon 1er).",
            "apa_beneficiary": "Compte pour l'accès à l'avance immédiate.",
            "pch_beneficiary": "Compte pour l'accès à l'avance immédiate.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["civility"].choices = [("", "—"), *Civility.choices]
        letters = Client._meta.get_field("street_letter").choices
        self.fields["street_letter"].choices = [("", "—"), *letters]
        self.helper = FormHelper()
        # The page's own <form> carries the CSRF token.
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                "Identité",
                Row(Column("civility", css_class="col-md-2"), Column("first_names")),
                Row(Column("birth_name"), Column("usage_name")),
            ),
            Fieldset(
                "Naissance",
                Row(Column("birth_date"), Column("birth_country_code")),
                Row(
                    Column("birth_department"),
                    Column("birth_commune_code"),
                    Column("birth_commune_label"),
                ),
            ),
            Fieldset("Contact", Row(Column("email"), Column("mobile_phone"))),
            address_fieldset(),
            Fieldset("Aides", "apa_beneficiary", "pch_beneficiary"),
        )

    def _clean_last_name(self, field: str) -> str:
        value = collapse_spaces(self.cleaned_data.get(field, ""))
        if value and not LAST_NAME_RE.match(value):
            raise forms.ValidationError(
                "Lettres, espaces, tirets et apostrophes uniquement, "
                "sans signe au début ni à la fin."
            )
        return value

    def clean_birth_name(self) -> str:
        return self._clean_last_name("birth_name")

    def clean_usage_name(self) -> str:
        return self._clean_last_name("usage_name")

    def clean_first_names(self) -> str:
        value = collapse_spaces(self.cleaned_data["first_names"])
        if not FIRST_NAMES_RE.match(value):
            raise forms.ValidationError(
                "Prénoms séparés par un espace ; lettres, tirets et apostrophes uniquement."
            )
        return value

    def clean_birth_date(self) -> dt.date:
        value = self.cleaned_data["birth_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("La date de naissance ne peut pas être dans le futur.")
        if value < OLDEST_BIRTH_DATE:
            raise forms.ValidationError("Vérifiez l'année de naissance.")
        return value

    def clean_birth_department(self) -> str:
        value = normalize_department(self.cleaned_data.get("birth_department", ""))
        if value and not BIRTH_DEPARTMENT_RE.match(value):
            raise forms.ValidationError("Département de naissance : ex. 069, 02A ou 974.")
        return value

    def clean_birth_commune_code(self) -> str:
        return self.cleaned_data.get("birth_commune_code", "").strip().upper()

    def clean_birth_commune_label(self) -> str:
        return refuse_symbols(collapse_spaces(self.cleaned_data.get("birth_commune_label", "")))

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip().lower()
        if not EMAIL_RE.match(value):
            raise forms.ValidationError(
                "Adresse refusée par l'URSSAF : lettres, chiffres, points, tirets et « _ » "
                "uniquement (pas de « + »)."
            )
        return value

    def clean_mobile_phone(self) -> str:
        value = normalize_mobile_phone(self.cleaned_data["mobile_phone"])
        if not MOBILE_PHONE_RE.match(value):
            raise forms.ValidationError(mobile_phone_validator.message)
        return value

    def clean_street_number(self) -> str:
        value = self.cleaned_data.get("street_number", "").strip()
        if value and not STREET_NUMBER_RE.match(value):
            raise forms.ValidationError(
                "Chiffres uniquement ; « bis », « ter »… vont dans l'indice de répétition."
            )
        return value

    def clean_street_name(self) -> str:
        return refuse_symbols(collapse_spaces(self.cleaned_data.get("street_name", "")))

    def clean_address_complement(self) -> str:
        return refuse_symbols(collapse_spaces(self.cleaned_data.get("address_complement", "")))

    def clean_lieu_dit(self) -> str:
        return refuse_symbols(collapse_spaces(self.cleaned_data.get("lieu_dit", "")))

    def clean_postal_code(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data["postal_code"])
        if not POSTAL_CODE_RE.match(value):
            raise forms.ValidationError(postal_code_validator.message)
        return value

    def clean_city(self) -> str:
        return refuse_symbols(collapse_spaces(self.cleaned_data["city"]))

    def clean_city_insee_code(self) -> str:
        value = self.cleaned_data["city_insee_code"].strip().upper()
        if commune_on(value, timezone.localdate()) is None:
            raise forms.ValidationError(
                "Code INSEE de commune inconnu (ce n'est pas le code postal)."
            )
        return value

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        self._check_birth_place(cleaned)
        self._check_address(cleaned)
        return cleaned

    def _check_birth_place(self, cleaned: dict) -> None:
        country = cleaned.get("birth_country_code")
        if country is None:
            return
        place_fields = ("birth_department", "birth_commune_code", "birth_commune_label")
        if country != FRANCE_INSEE_CODE:
            # URSSAF refuses a department or commune with a foreign country of birth.
            for field in place_fields:
                if cleaned.get(field):
                    self.add_error(field, "À laisser vide pour une naissance à l'étranger.")
            return
        for field in ("birth_department", "birth_commune_code"):
            if field not in self.errors and not cleaned.get(field):
                self.add_error(field, "Obligatoire pour une naissance en France.")
        code, birth_date = cleaned.get("birth_commune_code"), cleaned.get("birth_date")
        if code and birth_date and "birth_commune_code" not in self.errors:
            self._check_birth_commune(cleaned, code, birth_date)

    def _check_birth_commune(self, cleaned: dict, code: str, birth_date: dt.date) -> None:
        # DGFiP matches the birthplace as it was coded on the birth date: a commune merged or
        # recoded since (Corsica 1976, Paris region 1968, communes nouvelles) has another code.
        commune = commune_on(code, birth_date)
        if commune is None:
            candidates = birth_commune_candidates(code, birth_date)
            if candidates:
                listed = ", ".join(str(candidate) for candidate in candidates)
                message = (
                    f"Le code {code} n'existait pas le {birth_date:%d/%m/%Y} : indiquez celui "
                    f"de la commune de naissance à cette date ({listed})."
                )
            else:
                message = "Code INSEE de commune inconnu (ce n'est pas le code postal)."
            self.add_error("birth_commune_code", message)
            return
        department = cleaned.get("birth_department")
        if department and commune.department.zfill(3) != department:
            self.add_error(
                "birth_commune_code",
                f"{commune} n'est pas dans le département {department}.",
            )
        if not cleaned.get("birth_commune_label"):
            cleaned["birth_commune_label"] = commune.name

    def _check_address(self, cleaned: dict) -> None:
        # URSSAF's rules: type and name of the street go together, a repetition index needs a
        # number, and the address needs a street, a complement or a lieu-dit.
        street_type, street_name = cleaned.get("street_type"), cleaned.get("street_name")
        if street_name and not street_type:
            self.add_error("street_type", "Précisez le type de voie (rue, avenue…).")
        if street_type and not street_name:
            self.add_error("street_name", "Précisez le libellé de la voie.")
        if cleaned.get("street_letter") and not cleaned.get("street_number"):
            self.add_error("street_number", "Un indice de répétition suppose un numéro.")
        if not (street_name or cleaned.get("address_complement") or cleaned.get("lieu_dit")):
            self.add_error(
                None, "Adresse : indiquez une voie, un complément d'adresse ou un lieu-dit."
            )


class ClientSearchForm(forms.Form):
    q = forms.CharField(label="Rechercher", required=False, max_length=100)

    def clean_q(self) -> str:
        return collapse_spaces(self.cleaned_data["q"])
