"""The page frame: the cooperative's own name, a menu that marks where the reader is."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.safestring import SafeData, mark_safe

from invoices.templatetags.fr_format import french_spacing

pytestmark = pytest.mark.django_db


def test_the_header_shows_the_cooperatives_name_and_the_current_section(client, carol):
    carol.cooperative.legal_name = "Coopérative des Monts du Lyonnais"
    carol.cooperative.save(update_fields=["legal_name"])
    client.force_login(carol.user)

    response = client.get(reverse("provider:invoice_list"))

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "<span>Coopérative des Monts du Lyonnais</span>" in html
    assert "— Coopérative des Monts du Lyonnais</title>" in html
    # The sidebar and the phone menu both mark "Mes factures", and only it.
    invoices = reverse("provider:invoice_list")
    assert html.count(f'href="{invoices}" aria-current="page"') == 2
    assert html.count('aria-current="page"') == 2


def test_the_dashboard_link_is_current_only_on_the_dashboard(client, carol):
    client.force_login(carol.user)

    html = client.get(reverse("provider:client_list")).content.decode()

    assert f'href="{reverse("provider:dashboard")}" aria-current' not in html
    assert f'href="{reverse("provider:client_list")}" aria-current="page"' in html


def test_a_client_has_a_top_menu_and_no_sidebar(client, alice):
    client.force_login(alice.user)

    html = client.get(reverse("portal:invoice_list")).content.decode()

    assert "site-sidebar" not in html
    assert f'href="{reverse("portal:quote_list")}"' in html


def test_the_page_for_an_unknown_url_does_without_the_database(client):
    # Error pages of unresolved URLs never ask the database (tests/test_error_pages.py).
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "<span>Coopérative SAP</span>" in response.content.decode()


def test_french_spacing_is_unbreakable_in_text_and_leaves_markup_alone():
    html = mark_safe(
        '<p title="a : b">Total : 5 € ! « Oui » ?</p><script>x ? y : z</script>'
        '<input value="c ; d">'
    )

    result = french_spacing(html)

    assert result == (
        '<p title="a : b">Total\u202f: 5 €\u202f! «\u202fOui\u202f»\u202f?</p>'
        '<script>x ? y : z</script><input value="c ; d">'
    )
    assert isinstance(result, SafeData)


def test_french_spacing_leaves_a_text_without_such_space_as_it_is():
    html = mark_safe('<p title="Total">Total\u202f: 5 €</p><script>x?y:z</script>')

    assert french_spacing(html) is html
    assert french_spacing("<p>« Non »</p>") == "<p>«\u202fNon\u202f»</p>"
    assert french_spacing("Oui  ;<br>Non\u00a0!") == "Oui\u202f;<br>Non\u202f!"


def test_pages_apply_french_spacing(client):
    html = client.get(reverse("login")).content.decode()

    assert "Client de la coopérative sans compte\u202f?" in html
    assert "sans compte ?" not in html


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 2), "#1c5a55").save(buffer, "PNG")
    return buffer.getvalue()


def test_the_cooperatives_logo_heads_the_pages_once_uploaded(client, carol, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    assert client.get(reverse("cooperative_logo")).status_code == HTTPStatus.NOT_FOUND
    cooperative = carol.cooperative
    cooperative.logo.save("notre-logo.PNG", ContentFile(_png()))
    client.force_login(carol.user)

    html = client.get(reverse("provider:dashboard")).content.decode()
    logo = client.get(reverse("cooperative_logo"))

    assert f'src="/logo/?v={cooperative.logo.name}' in html.replace("%2F", "/")
    assert cooperative.logo.name.startswith("cooperative/logo-")
    assert cooperative.logo.name.endswith(".png")
    assert logo.status_code == HTTPStatus.OK
    assert logo["Content-Type"] == "image/png"
    assert b"".join(logo.streaming_content) == _png()


def test_a_logo_that_is_not_a_picture_is_refused(carol, settings, tmp_path):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    cooperative = carol.cooperative
    cooperative.logo = SimpleUploadedFile("logo.svg", b"<svg/>", content_type="image/svg+xml")
    with pytest.raises(ValidationError) as refused:
        cooperative.full_clean()
    assert "logo" in refused.value.message_dict


def test_the_header_reads_the_cooperative_from_the_cache_until_it_changes(client, carol):
    from clients.models import Cooperative

    client.force_login(carol.user)
    url = reverse("provider:invoice_list")
    client.get(url)  # reads the cooperative into the cache
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert "<span>Coopérative Services Solidaires</span>" in html
    assert not [q for q in queries if "clients_cooperative" in q["sql"]]

    cooperative = Cooperative.objects.get()
    cooperative.legal_name = "Coopérative des Monts du Lyonnais"
    cooperative.save()

    assert "<span>Coopérative des Monts du Lyonnais</span>" in client.get(url).content.decode()


def test_the_cached_cooperative_is_forgotten_when_deleted(client, cooperative):
    from clients.context_processors import site_cooperative

    assert site_cooperative() == cooperative
    cooperative.delete()

    assert site_cooperative() is None
    assert "<span>Coopérative SAP</span>" in client.get(reverse("login")).content.decode()
