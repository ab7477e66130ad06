"""Routes shared by every role (owner-scoped): the quote PDF."""

from django.urls import path

from .views import quotes

app_name = "quotes"

urlpatterns = [
    path("<uuid:code>/pdf/", quotes.quote_pdf, name="pdf"),
]
