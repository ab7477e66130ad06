"""Forms for the provider's quote and invoice screens: header, lines (a formset), payment, list
filters."""

import dataclasses
import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.db import models

from clients.models import Client, Provider

from .models import (
    NOTES_MAX_LENGTH,
    REFUND_MODES,
    BillingDocument,
    Invoice,
    InvoiceStatus,
    PaymentMode,
    Quote,
    ServiceNature,
    Unit,
)
from .services import DepositData, LineData, RefundData
from .templatetags.fr_format import month_fr


def _date_input() -> forms.DateInput:
    # Browsers post ISO dates from <input type="date">; Django always accepts ISO as well.
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


CENTS = Decimal("0.01")


class DecimalInput(forms.TextInput):
    """A decimal shown as people write it: `32,00`, not `32,000` (a price field keeps three
    decimal places for the rare `25,125`, which is then shown whole)."""

    def format_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            value = value.quantize(CENTS) if value == value.quantize(CENTS) else value.normalize()
        return super().format_value(value)


def _money_field(label: str, *, decimal_places: int, max_digits: int, **kwargs):
    # `localize` accepts the French decimal comma ("25,50") as well as a point.
    return forms.DecimalField(
        label=label,
        max_digits=max_digits,
        decimal_places=decimal_places,
        localize=True,
        widget=DecimalInput(attrs={"inputmode": "decimal"}),
        **kwargs,
    )


class ClientSelect(forms.Select):
    """Each client with an active avance immédiate carries the day it began (data-ai-since):
    js/invoice_lines.js then starts a new invoice's period there, not before (URSSAF refuses
    services dated before the activation)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        client = getattr(value, "instance", None)
        if client is not None and client.has_active_ai and client.ai_activated_on:
            option["attrs"]["data-ai-since"] = client.ai_activated_on.isoformat()
        return option


def period_start_for(client: Client | None, today: dt.date) -> dt.date:
    """The first day of the month so far that an invoice of this client may cover."""
    start = today.replace(day=1)
    activated = client.ai_activated_on if client is not None and client.has_active_ai else None
    return min(max(start, activated), today) if activated else start


class ClientChoiceField(forms.ModelChoiceField):
    """A client picked by code; a code that is not even a UUID is just not one of yours."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            # Django would answer "« … » n'est pas un UUID valide", echoing the tampered value.
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from exc


class DocumentHeaderForm(forms.Form):
    """A billing document's header. The client is chosen on creation only: a draft keeps its
    client. `document_fields` are passed to the draft services as they are."""

    document_fields: tuple[str, ...] = ("period_start", "period_end", "notes")

    client = ClientChoiceField(
        label="Client",
        queryset=Client.objects.none(),
        to_field_name="code",
        widget=ClientSelect,
        empty_label="— Choisir un client —",
        error_messages={"invalid_choice": "Choisissez un de vos clients."},
    )
    period_start = forms.DateField(label="Début de la période", widget=_date_input())
    period_end = forms.DateField(label="Fin de la période", widget=_date_input())
    notes = forms.CharField(
        label="Mentions complémentaires",
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, provider: Provider, with_client: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_client:
            # A ModelChoiceField; the form's fields are typed as plain Fields.
            self.fields["client"].queryset = Client.objects.for_provider(provider)  # type: ignore[attr-defined]
        else:
            del self.fields["client"]

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "La fin de la période précède son début.")
        return cleaned

    @staticmethod
    def default_period(today: dt.date, client: Client | None = None) -> tuple[dt.date, dt.date]:
        """The period a new document starts with."""
        return today, today

    @classmethod
    def initial_for(cls, document: BillingDocument) -> dict:
        """Return a draft's header as the form's initial data."""
        return {name: getattr(document, name) for name in cls.document_fields}

    def document_data(self) -> dict:
        """Return the valid header as the draft services take it (the client apart)."""
        return {name: self.cleaned_data[name] for name in self.document_fields}


class QuoteForm(DocumentHeaderForm):
    """The quote's header: the planned period, and how long the offer holds."""

    document_fields = (*DocumentHeaderForm.document_fields, "valid_until")

    valid_until = forms.DateField(
        label="Valable jusqu'au",
        required=False,
        widget=_date_input(),
        help_text="Laissé vide : 30 jours après l'envoi du devis.",
    )
    field_order = ["client", "period_start", "period_end", "valid_until", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period_start"].label = "Début des prestations prévues"
        self.fields["period_end"].label = "Fin des prestations prévues"


class InvoiceForm(DocumentHeaderForm):
    """The invoice header, with the deposit received on the quote."""

    deposit_amount = _money_field(
        "Acompte reçu sur devis (€)",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        error_messages={"min_value": "L'acompte doit être positif."},
        help_text=(
            "Facultatif. Pour un client à l'avance immédiate, seul un acompte sur devis se "
            "règle hors URSSAF, dans la limite de 50 % du total : il est déduit de la demande "
            "de paiement. Il est enregistré comme paiement à l'émission."
        ),
    )
    deposit_paid_on = forms.DateField(
        label="Date de l'acompte", required=False, widget=_date_input()
    )
    deposit_mode = forms.ChoiceField(
        label="Mode de paiement de l'acompte",
        required=False,
        choices=[
            ("", "—"),
            *(c for c in PaymentMode.choices if c[0] != PaymentMode.IMMEDIATE_ADVANCE),
        ],
    )
    deposit_fields = ("deposit_amount", "deposit_paid_on", "deposit_mode")

    @staticmethod
    def default_period(today: dt.date, client: Client | None = None) -> tuple[dt.date, dt.date]:
        """An invoice usually covers the month so far, from the avance immédiate's first day
        when it began this month (a default that the issue would refuse is a trap)."""
        return period_start_for(client, today), today

    @classmethod
    def initial_for(cls, invoice: Invoice) -> dict:  # type: ignore[override]  # invoices only
        """Return a draft's header, deposit included, as the form's initial data."""
        initial = super().initial_for(invoice)
        if invoice.deposit_amount:
            initial |= {name: getattr(invoice, name) for name in cls.deposit_fields}
        return initial

    def document_data(self) -> dict:
        return {**super().document_data(), "deposit": self.cleaned_data["deposit"]}

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["deposit"] = self._clean_deposit(cleaned)
        return cleaned

    def _clean_deposit(self, cleaned: dict) -> DepositData | None:
        """Return the deposit when one is given, all three fields together, else None."""
        names = self.deposit_fields
        values = [cleaned.get(name) for name in names]
        if any(name in self.errors for name in names) or not any(values):
            return None
        for name, value in zip(names, values, strict=True):
            if not value:
                self.add_error(name, "Précisez le montant, la date et le mode de l'acompte.")
        # All three given (just checked): none is None.
        return DepositData(*values) if all(values) else None  # type: ignore[arg-type]


class LineForm(forms.Form):
    nature = forms.ModelChoiceField(
        label="Nature",
        queryset=ServiceNature.objects.all(),
        to_field_name="slug",
        empty_label="— Nature —",
    )
    service_date = forms.DateField(label="Date", widget=_date_input())
    unit = forms.ChoiceField(label="Unité", choices=Unit.choices, initial=Unit.HOUR)
    quantity = _money_field(
        "Quantité",
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": "La quantité doit être positive."},
    )
    unit_price_ttc = _money_field(
        "Prix unitaire TTC",
        max_digits=10,
        decimal_places=3,
        min_value=Decimal("0"),
        error_messages={"min_value": "Le prix ne peut pas être négatif."},
    )
    vat_rate = _money_field(
        "TVA (%)",
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("20"),
        required=False,
        # `%%`: Django fills these messages with `%` formatting.
        error_messages={
            "min_value": "Le taux de TVA ne peut pas être négatif.",
            "max_value": "Le taux de TVA ne peut pas dépasser 20 %%.",
        },
    )
    description = forms.CharField(label="Description", max_length=200, required=False)
    is_expense = forms.BooleanField(
        label="Frais",
        required=False,
        help_text="Déplacement, fournitures… liés à une prestation de même nature.",
    )

    def __init__(self, *args, natures=None, **kwargs):
        super().__init__(*args, **kwargs)
        if natures is not None:
            self.fields["nature"].queryset = natures
        # Rows are shown in a table whose header is not a <label>: name each input itself.
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        nature = cleaned.get("nature")
        if nature is not None and cleaned.get("vat_rate") is None and "vat_rate" not in self.errors:
            cleaned["vat_rate"] = nature.default_vat_rate
        return cleaned


class BaseLineFormSet(forms.BaseFormSet):
    """The invoice lines; `period` (start, end) lets each line's date be checked against it."""

    default_error_messages = {"too_few_forms": Invoice.kind.needs_a_line}

    def __init__(self, *args, provider: Provider, period=None, **kwargs):
        # A provider with a list of authorised natures may only invoice those.
        natures = provider.natures.all()
        kwargs.setdefault("form_kwargs", {})["natures"] = (
            natures if natures.exists() else ServiceNature.objects.all()
        )
        self.period = period
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        if any(self.errors) or self.period is None:
            return
        start, end = self.period
        for form in self._kept_forms():
            day = form.cleaned_data["service_date"]
            if not start <= day <= end:
                form.add_error(
                    "service_date",
                    f"Hors de la période (du {start:%d/%m/%Y} au {end:%d/%m/%Y}).",
                )

    def _kept_forms(self) -> list[forms.Form]:
        return [
            form
            for form in self.forms
            # Django's own test of the form's DELETE box, missing from the type stubs.
            if form.cleaned_data and not self._should_delete_form(form)  # type: ignore[attr-defined]
        ]

    def line_data(self) -> list[LineData]:
        """Return the valid, non-deleted rows as the service's LineData, in display order."""
        names = [field.name for field in dataclasses.fields(LineData)]
        return [
            LineData(**{name: form.cleaned_data[name] for name in names})
            for form in self._kept_forms()
        ]


class BaseQuoteLineFormSet(BaseLineFormSet):
    """The planned services of a quote: the same rows, dated within the planned period."""

    default_error_messages = {"too_few_forms": Quote.kind.needs_a_line}


def _line_formset(base: type[BaseLineFormSet]):
    return forms.formset_factory(
        LineForm,
        formset=base,
        extra=3,
        min_num=1,
        validate_min=True,
        max_num=50,
        validate_max=True,
        can_delete=True,
        can_delete_extra=False,
    )


LineFormSet = _line_formset(BaseLineFormSet)
QuoteLineFormSet = _line_formset(BaseQuoteLineFormSet)
LINES_PREFIX = "lines"


def lines_initial(document: BillingDocument) -> list[dict]:
    """Return a draft's lines as the formset's initial data."""
    lines = document.lines.select_related("nature")
    return [dict(vars(LineData.from_line(line))) for line in lines]


class PaymentForm(forms.Form):
    """A payment received outside the avance immédiate, which URSSAF's flow records itself."""

    amount = _money_field(
        "Montant (€)",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": "Le montant doit être positif."},
    )
    paid_on = forms.DateField(label="Date du paiement", widget=_date_input())
    mode = forms.ChoiceField(
        label="Mode de paiement",
        choices=[c for c in PaymentMode.choices if c[0] != PaymentMode.IMMEDIATE_ADVANCE],
    )
    reference = forms.CharField(
        label="Référence",
        max_length=100,
        required=False,
        help_text="N° de chèque, libellé du virement…",
    )


MONTH_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")


class MonthField(forms.Field):
    """A month typed as `AAAA-MM` (what <input type="month"> posts); cleaned to its 1st day."""

    widget = forms.DateInput(attrs={"type": "month"})
    default_error_messages = {"invalid": "Mois invalide : format attendu AAAA-MM (ex. 2026-11)."}

    def to_python(self, value) -> dt.date | None:
        if value in self.empty_values:
            return None
        match = MONTH_RE.match(str(value).strip())
        # The year bound keeps "the month after" computable: 9999-12 has none.
        if match is None or not 1900 <= int(match["year"]) <= 2999:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return dt.date(int(match["year"]), int(match["month"]), 1)
        except ValueError as exc:  # month 0 or 13
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc

    def prepare_value(self, value) -> str:
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value


class FollowUp(models.TextChoices):
    """The avance immédiate situations the dashboard links to."""

    TO_VALIDATE = "a_valider", "En attente de validation par le client"
    CONTESTED = "contestees", "Contestées par le client"
    FAILED = "echec", "Demande en échec"
    LATE_PAYOUT = "versement_en_retard", "Versement au prestataire en retard"


class InvoiceFilterForm(forms.Form):
    follow_up = forms.ChoiceField(
        label="Avance immédiate",
        required=False,
        choices=[("", "Toutes"), *FollowUp.choices],
        error_messages={"invalid_choice": "Suivi inconnu : choisissez-en un dans la liste."},
    )
    status = forms.ChoiceField(
        label="Statut",
        required=False,
        choices=[("", "Tous les statuts"), *InvoiceStatus.choices],
        error_messages={"invalid_choice": "Statut inconnu : choisissez-en un dans la liste."},
    )
    month = MonthField(
        label="Mois des interventions",
        required=False,
        help_text="Factures dont la période de service touche ce mois.",
    )

    def describe(self) -> str:
        """Say in French which filters apply, for the page heading (`statut « émise », novembre
        2026`): the status is quoted, so that it reads right after any number of invoices."""
        parts = []
        data = getattr(self, "cleaned_data", {})
        if data.get("status"):
            parts.append(f"statut « {InvoiceStatus(data['status']).label.lower()} »")
        if data.get("month"):
            parts.append(month_fr(data["month"]))
        if data.get("follow_up"):
            parts.append(FollowUp(data["follow_up"]).label.lower())
        return ", ".join(parts)


class CorrectionForm(forms.Form):
    """The guided correction's one form: why, and how the client is refunded when they paid."""

    detail = forms.CharField(
        label="Précision sur le motif (facultatif)",
        max_length=200,
        required=False,
        help_text="Imprimée sur l'avoir : « taux horaire erroné », « 2 h facturées au lieu de 3 »…",
    )
    refunded_on = forms.DateField(label="Date du remboursement", widget=_date_input())
    mode = forms.ChoiceField(
        label="Mode de remboursement", choices=[(m.value, m.label) for m in REFUND_MODES]
    )
    reference = forms.CharField(
        label="Référence du remboursement",
        max_length=100,
        required=False,
        help_text="N° de chèque, libellé du virement…",
    )

    def __init__(self, *args, needs_refund: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_refund = needs_refund
        if not needs_refund:
            for name in ("refunded_on", "mode", "reference"):
                del self.fields[name]

    def refund_data(self) -> RefundData | None:
        if not self.needs_refund:
            return None
        data = self.cleaned_data
        return RefundData(data["refunded_on"], data["mode"], data["reference"])
