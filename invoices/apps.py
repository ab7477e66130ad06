from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = "Facturation"

    def ready(self) -> None:
        from clients.services import register_document_client_lookup

        from .selectors import client_id_for_document

        # Clients open their account with an invoice's or quote's number and date; the clients
        # app below this one asks here without importing it.
        register_document_client_lookup(client_id_for_document)
