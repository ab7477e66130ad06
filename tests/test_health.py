from http import HTTPStatus

from django.urls import reverse


def test_health_answers_ok_without_login(client):
    response = client.get(reverse("health"))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}


def test_health_refuses_other_methods(client):
    assert client.post(reverse("health")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
