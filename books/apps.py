from django.apps import AppConfig


class BooksConfig(AppConfig):
    """The cooperative's books for its accountant (FEC) and its e-reporting files."""

    name = "books"
    verbose_name = "Comptabilité"
