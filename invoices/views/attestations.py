"""Attestations fiscales in the portals, and the client's tax-credit simulator."""

import datetime as dt
from collections import OrderedDict

from django import forms
from django.db.models import Exists, Max, OuterRef, Subquery
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from clients.access import AuthenticatedHttpRequest, client_required, provider_required
from clients.models import Client

from ..attestations import AttestationFigures, compute_figures
from ..models import Attestation, TaxRuleSet
from ..simulator import Household, NatureSpending, TaxRules, estimate_credit


def _get_attestation_for_client(client: Client, code) -> Attestation:
    return get_object_or_404(Attestation.objects.for_client(client), code=code)


@require_GET
@client_required
def attestation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the client's attestations, every year, the current version first."""
    by_year: OrderedDict[int, list[Attestation]] = OrderedDict()
    for attestation in Attestation.objects.for_client(request.user.client).order_by(
        "-year", "-version"
    ):
        by_year.setdefault(attestation.year, []).append(attestation)
    years = [(year, versions[0], versions[1:]) for year, versions in by_year.items()]
    return render(request, "attestations/attestation_list.html", {"years": years})


@require_GET
@client_required
def attestation_download(request: AuthenticatedHttpRequest, code) -> FileResponse:
    """Send one of the client's own stored attestation PDFs; 404 for anyone else's."""
    attestation = _get_attestation_for_client(request.user.client, code)
    filename = f"attestation-fiscale-{attestation.year}-v{attestation.version}.pdf"
    return FileResponse(
        attestation.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/pdf",
    )


def _headcount(label: str, most: int, help_text: str = "") -> forms.IntegerField:
    """A number of people in the household: none unless said, never negative."""
    return forms.IntegerField(
        label=label, min_value=0, max_value=most, initial=0, help_text=help_text
    )


class SimulatorForm(forms.Form):
    year = forms.TypedChoiceField(label="Année", coerce=int)
    dependent_children = _headcount("Enfants à charge", 20)
    shared_custody_children = _headcount(
        "dont en résidence alternée", 20, "Comptés pour moitié de la majoration."
    )
    members_over_65 = _headcount(
        "Membres du foyer de plus de 65 ans",
        10,
        "Vous, votre conjoint ou un ascendant de plus de 65 ans vivant avec vous.",
    )
    invalidity = forms.BooleanField(
        label="Invalidité",
        required=False,
        help_text=(
            "Vous ou une personne à charge vivant avec vous avez besoin de l'aide d'une tierce "
            "personne pour les actes de la vie courante, ou un enfant ouvre droit au complément "
            "d'AEEH."
        ),
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        # A ChoiceField; the form's fields are typed as plain Fields.
        self.fields["year"].choices = [(year, str(year)) for year in years]  # type: ignore[attr-defined]
        self.fields["year"].initial = years[0]

    def clean(self):
        cleaned = super().clean()
        children = cleaned.get("dependent_children") or 0
        if (cleaned.get("shared_custody_children") or 0) > children:
            self.add_error(
                "shared_custody_children",
                "Les enfants en résidence alternée font partie des enfants à charge.",
            )
        return cleaned

    def household(self) -> Household:
        """The household described by valid data; "nobody in particular" otherwise."""
        if not self.is_bound or not self.is_valid():
            return Household()
        data = self.cleaned_data
        return Household(
            dependent_children=data["dependent_children"] - data["shared_custody_children"],
            shared_custody_children=data["shared_custody_children"],
            members_over_65=data["members_over_65"],
            invalidity=data["invalidity"],
        )

    def chosen_year(self) -> int:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["year"]
        return self.fields["year"].initial


def _rules_for(year: int) -> TaxRules | None:
    # The rules of a year are those in force at its end: finance laws voted late in the year
    # usually apply to the expenses of the whole year.
    rule_set = (
        TaxRuleSet.objects.in_force_on(dt.date(year, 12, 31))
        .prefetch_related("sub_ceilings__nature")
        .first()
    )
    return TaxRules.from_rule_set(rule_set) if rule_set else None


def _spendings(figures: AttestationFigures) -> list[NatureSpending]:
    return [
        NatureSpending(
            slug=nature.slug,
            label=nature.label,
            paid=nature.paid,
            aids=nature.cesu + nature.apa_pch,
            ai_credit=nature.ai_credit,
        )
        for nature in figures.natures
    ]


@require_GET
@client_required
def simulator(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show what the client paid this year (or last year) and estimate their tax credit."""
    this_year = timezone.localdate().year
    form = SimulatorForm(request.GET or None, years=[this_year, this_year - 1])
    year = form.chosen_year()
    client = Client.objects.select_related("cooperative").get(pk=request.user.client.pk)
    figures = compute_figures(client, year)
    rules = _rules_for(year)
    spendings = _spendings(figures)
    estimate = estimate_credit(rules, form.household(), spendings) if rules else None
    context = {
        "rows": list(zip(figures.natures, spendings, estimate.natures, strict=True))
        if estimate
        else [],
        "form": form,
        "year": year,
        "is_current_year": year == this_year,
        "figures": figures,
        "total": figures.total,
        "rules": rules,
        "estimate": estimate,
    }
    return render(request, "attestations/attestation_simulator.html", context)


@require_GET
@provider_required
def provider_attestation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Tell a provider which of their clients have an attestation for a year (never its content,
    which also covers other providers' services)."""
    this_year = timezone.localdate().year
    years = list(range(this_year - 1, this_year - 6, -1))
    try:
        year = int(request.GET.get("annee", years[0]))
    except ValueError:
        year = years[0]
    if year not in years:
        year = years[0]
    of_year = Attestation.objects.filter(client=OuterRef("pk"), year=year)
    clients = (
        Client.objects.for_provider(request.user.provider)
        .annotate(
            has_attestation=Exists(of_year),
            last_generated_at=Subquery(
                of_year.values("client").annotate(last=Max("generated_at")).values("last")
            ),
        )
        .order_by("birth_name", "first_names")
    )
    context = {"clients": clients, "year": year, "years": years}
    return render(request, "attestations/attestation_provider_list.html", context)
