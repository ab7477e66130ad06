"""Routes shared by every role (owner-scoped): the quote PDF."""

from django.urls import path

from .views import pdf

app_name = "quotes"

urlpatterns = [
    path("<uuid:code>/pdf/", pdf.quote_pdf, name="pdf"),
]
