"""The visitor's address behind reverse proxies: what the rate limits and lockouts count."""

from http import HTTPStatus

import pytest
from django.test import RequestFactory
from django.urls import reverse

from clients.net import client_ip


def request_from(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_with_no_proxy_declared_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("203.0.113.5", "198.51.100.1")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # A visitor-typed address further left is never trusted.
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_behind_proxies_the_visitor_is_the_address_the_outermost_proxy_saw(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from("10.0.0.1", forwarded)) == expected


@pytest.mark.parametrize("forwarded", [None, "", "198.51.100.7", "not-an-address, 10.0.0.2"])
def test_a_header_the_proxies_did_not_fill_as_declared_falls_back_to_remote_addr(
    settings, forwarded
):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from("10.0.0.1", forwarded)) == "10.0.0.1"


def test_login_lockout_counts_the_visitor_behind_the_proxy_not_the_proxy(client, alice, settings):
    # Failures on several accounts lock the address they come from (one account's failures
    # would lock that account everywhere: tests/test_security.py).
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("login")
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            url,
            {"username": f"guess{n}@example.org", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            **proxy,
        )

    password = {"username": alice.user.email, "password": "motdepasse-solide-42"}
    attacker = client.post(url, password, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    alice_at_home = client.post(url, password, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)

    assert attacker.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert alice_at_home.status_code == HTTPStatus.FOUND
