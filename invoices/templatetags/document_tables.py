"""The tables of invoices and quotes on the busiest pages, and their status badges.

A list page renders 25 rows of 6 to 9 cells. Written as template loops with a badge included
per row, the rows cost more CPU than everything else the page does (bench/pages.py); built
here with `format_html`, they cost a fraction, with the same markup and escaping. Each table is
a list of columns (heading, cell), so the four tables share one builder.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from ..models import Invoice, Quote
from .fr_format import euros, month_fr

register = template.Library()

OVERDUE_TITLE = "Non réglée plus de 30 jours après son émission"
SPLIT_TITLE = "Des prestations précèdent l'activation de l'avance immédiate du client"
MONEY = "table-money"
EN_DASH = "\u2013"  # between the two dates of a period


@dataclass(frozen=True)
class Column:
    heading: str  # HTML
    cell: Callable[[Any], Any]  # the cell's content for a row: text (escaped) or SafeString
    css: str = ""  # the class of the cells, and of the heading unless `heading_css` is given
    heading_css: str | None = None

    def th(self) -> SafeString:
        heading_css = self.css if self.heading_css is None else self.heading_css
        css = format_html(' class="{}"', heading_css) if heading_css else ""
        return format_html('<th scope="col"{}>{}</th>', css, mark_safe(self.heading))  # noqa: S308


def _table(
    columns: list[Column], rows: Iterable, empty: str | None, *, table: str, head: str
) -> SafeString:
    """The table's markup; `empty`, when given, fills a row of its own if there is no row."""
    css = format_html(' class="{}"', head) if head else ""
    header = "".join(column.th() for column in columns)
    body = []
    for row in rows:
        cells = []
        for column in columns:
            content = conditional_escape(column.cell(row))
            if column.css:
                cells.append(f'<td class="{column.css}">{content}</td>')
            else:
                cells.append(f"<td>{content}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not body and empty is not None:
        body.append(
            format_html('<tr><td colspan="{}" class="text-muted">{}</td></tr>', len(columns), empty)
        )
    return mark_safe(  # noqa: S308 - every part above is escaped or built by format_html
        f'<div class="table-responsive">\n<table class="{table}">\n'
        f"<thead{css}><tr>{header}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n"
        "</table>\n</div>"
    )


_SAMPLE_CODE = uuid.UUID(int=0)


def _url(name: str) -> Callable[[Any], str]:
    """The URL of a document's page by its code: reversed once per table, not once per row."""
    pattern = reverse(name, args=[_SAMPLE_CODE])
    sample = str(_SAMPLE_CODE)
    return lambda document: pattern.replace(sample, str(document.code))


def _date(value) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}" if value else ""  # strftime: slower


def _dates(start, end) -> str:
    return f"{_date(start)} {EN_DASH} {_date(end)}"


def _link(url: Callable[[Any], str], text: Callable[[Any], Any]) -> Callable[[Any], SafeString]:
    return lambda document: format_html('<a href="{}">{}</a>', url(document), text(document))


@register.simple_tag
def invoice_badge(invoice: Invoice) -> SafeString:
    """The invoice's status, and "En retard" when it is overdue."""
    badge = format_html(
        '<span class="badge badge-status-{}">{}</span>',
        invoice.status,
        invoice.get_status_display(),
    )
    if invoice.is_overdue:
        badge += format_html(
            ' <span class="badge text-bg-danger" title="{}">En retard</span>', OVERDUE_TITLE
        )
    return badge


@register.simple_tag
def quote_badge(quote: Quote) -> SafeString:
    """The quote's status ("Expiré" once past its validity), and "Facturé" once invoiced."""
    if quote.is_expired():
        badge = mark_safe('<span class="badge text-bg-secondary">Expiré</span>')
    else:
        badge = format_html(
            '<span class="badge badge-status-{}">{}</span>',
            quote.status,
            quote.get_status_display(),
        )
    if quote.invoice_id:
        badge += mark_safe(' <span class="badge text-bg-light">Facturé</span>')
    return badge


def _provider_invoice_status(invoice: Invoice) -> SafeString:
    badge = invoice_badge(invoice)
    if getattr(invoice, "before_ai_activation", False):
        badge += format_html(
            ' <span class="badge text-bg-warning" title="{}">À séparer</span>', SPLIT_TITLE
        )
    return badge


@register.simple_tag
def provider_invoice_table(
    invoices, empty_message: str = "", hide_client: bool = False
) -> SafeString:
    """The provider's invoices (annotated with amount_paid_total, client selected with them)."""
    columns = [
        Column("N°", _link(_url("provider:invoice_detail"), lambda i: i.number or "Brouillon")),
        *([] if hide_client else [Column("Client", lambda i: i.client.full_name)]),
        Column("Période", lambda i: _dates(i.period_start, i.period_end)),
        Column("Émise le", lambda i: _date(i.issue_date) or "—"),
        Column("Total TTC", lambda i: euros(i.total_ttc), MONEY),
        Column("Payé", lambda i: euros(i.amount_paid_total), MONEY),
        Column("Statut", _provider_invoice_status),
    ]
    return _table(
        columns,
        invoices,
        empty_message or "Aucune facture.",
        table="table table-hover align-middle mb-0",
        head="",
    )


@register.simple_tag
def provider_quote_table(quotes) -> SafeString:
    """The provider's quotes (client and invoice selected with them)."""
    columns = [
        Column("Numéro", _link(_url("provider:quote_detail"), str)),
        Column("Client", lambda q: q.client.full_name),
        Column(
            "Prestations prévues",
            lambda q: f"du {_date(q.period_start)} au {_date(q.period_end)}",
        ),
        Column("Valable jusqu'au", lambda q: _date(q.valid_until) or "—"),
        Column("Montant TTC", lambda q: euros(q.total_ttc), MONEY),
        Column("Statut", quote_badge),
    ]
    return _table(
        columns,
        quotes,
        mark_safe("Aucun devis pour l'instant."),
        table="table table-hover align-middle mb-0",
        head="table-light",
    )


_ACTIONS = '<span class="visually-hidden">Actions</span>'
_BUTTON = '<a class="btn btn-sm btn-outline-{}" href="{}">{}</a>'


def _period(invoice: Invoice) -> str:
    start, end = invoice.period_start, invoice.period_end
    if (start.month, start.year) == (end.month, end.year):
        return month_fr(start)
    return _dates(start, end)


def _amount_due(invoice: Any) -> SafeString:  # a portal row: annotated with ai_split
    split = invoice.ai_split
    if not split:
        return mark_safe(euros(invoice.amount_due))  # noqa: S308 - digits, spaces and €
    return format_html(
        '{}<br><span class="small text-muted">votre part ; crédit d\'impôt {} réglé par '
        "l'URSSAF</span>",
        euros(split.client_share),
        euros(split.credit),
    )


@register.simple_tag
def portal_invoice_table(invoices) -> SafeString:
    """The client's invoices (annotated with amount_paid_total, amount_due and ai_split)."""
    detail, pdf = _url("portal:invoice_detail"), _url("invoices:pdf")

    def actions(invoice: Invoice) -> SafeString:
        return format_html(
            _BUTTON + "\n" + _BUTTON,
            "primary",
            detail(invoice),
            "Détail",
            "secondary",
            pdf(invoice),
            "PDF",
        )

    columns = [
        Column("Numéro", _link(detail, lambda i: i.number)),
        Column("Émise le", lambda i: _date(i.issue_date)),
        Column("Période", _period),
        Column("Intervenant(e)", lambda i: i.provider.display_name),
        Column("Montant TTC", lambda i: euros(i.total_ttc), MONEY),
        Column("Réglé", lambda i: euros(i.amount_paid_total), MONEY),
        Column("Reste à payer", _amount_due, MONEY),
        Column("Statut", invoice_badge),
        Column(_ACTIONS, actions, "text-end text-nowrap", heading_css=""),
    ]
    return _table(
        columns, invoices, None, table="table table-hover align-middle bg-white", head="table-light"
    )


@register.simple_tag
def portal_quote_table(quotes) -> SafeString:
    """The client's quotes (provider selected with them)."""
    pdf = _url("quotes:pdf")
    columns = [
        Column("Numéro", lambda q: q.number),
        Column("Daté du", lambda q: _date(q.issue_date)),
        Column("Valable jusqu'au", lambda q: _date(q.valid_until)),
        Column("Intervenant(e)", lambda q: q.provider.display_name),
        Column("Montant TTC", lambda q: euros(q.total_ttc), MONEY),
        Column("Statut", quote_badge),
        Column(
            _ACTIONS,
            lambda q: format_html(_BUTTON, "secondary", pdf(q), "PDF"),
            "text-end",
            heading_css="",
        ),
    ]
    return _table(
        columns, quotes, None, table="table table-hover align-middle bg-white", head="table-light"
    )
