import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list

from ..test_security import manage_in_production


@pytest.mark.parametrize("word", ["1", "true", "TRUE", " yes ", "on"])
def test_env_bool_reads_the_true_words(monkeypatch, word):
    monkeypatch.setenv("SAP_FLAG", word)
    assert env_bool("SAP_FLAG") is True


@pytest.mark.parametrize("word", ["0", "false", "False", "no", "off"])
def test_env_bool_reads_the_false_words_even_when_the_default_is_true(monkeypatch, word):
    monkeypatch.setenv("SAP_FLAG", word)
    assert env_bool("SAP_FLAG", default=True) is False


@pytest.mark.parametrize("value", [None, "", "  "])
def test_env_bool_takes_the_default_when_unset_or_empty(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("SAP_FLAG", raising=False)
    else:
        monkeypatch.setenv("SAP_FLAG", value)
    assert env_bool("SAP_FLAG", default=True) is True
    assert env_bool("SAP_FLAG") is False


@pytest.mark.parametrize("word", ["ture", "flase", "y", "2", "enabled"])
def test_env_bool_refuses_a_mistyped_word_instead_of_reading_it_as_false(monkeypatch, word):
    monkeypatch.setenv("SAP_FLAG", word)
    with pytest.raises(ImproperlyConfigured, match=f"SAP_FLAG='{word}' is not a boolean"):
        env_bool("SAP_FLAG")


def test_env_int_reads_a_number_and_defaults_when_empty(monkeypatch):
    monkeypatch.setenv("SAP_COUNT", " 42 ")
    assert env_int("SAP_COUNT", 7) == 42
    monkeypatch.setenv("SAP_COUNT", "")
    assert env_int("SAP_COUNT", 7) == 7


@pytest.mark.parametrize("value", ["25a", "1.5", "twelve"])
def test_env_int_refuses_what_is_not_a_whole_number(monkeypatch, value):
    monkeypatch.setenv("SAP_COUNT", value)
    with pytest.raises(ImproperlyConfigured, match=r"SAP_COUNT=.* is not a whole number"):
        env_int("SAP_COUNT", 7)


def test_env_int_refuses_a_number_below_the_minimum(monkeypatch):
    monkeypatch.setenv("SAP_COUNT", "-1")
    with pytest.raises(ImproperlyConfigured, match="must be at least 0"):
        env_int("SAP_COUNT", 7, minimum=0)
    monkeypatch.setenv("SAP_COUNT", "0")
    assert env_int("SAP_COUNT", 7, minimum=0) == 0


def test_env_float_reads_a_decimal_and_refuses_a_word(monkeypatch):
    monkeypatch.setenv("SAP_SECONDS", "2.5")
    assert env_float("SAP_SECONDS", 5.0) == 2.5
    monkeypatch.setenv("SAP_SECONDS", "5s")
    with pytest.raises(ImproperlyConfigured, match="SAP_SECONDS='5s' is not a number"):
        env_float("SAP_SECONDS", 5.0)


def test_env_list_drops_empty_items(monkeypatch):
    monkeypatch.setenv("SAP_ITEMS", " a, ,b,")
    assert env_list("SAP_ITEMS") == ["a", "b"]


def test_a_mistyped_debug_stops_the_process_instead_of_running_in_production_mode():
    result = manage_in_production("check", extra={"DJANGO_DEBUG": "ture"})
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_DEBUG='ture' is not a boolean" in result.stderr


def test_a_mistyped_number_setting_stops_the_process_naming_the_variable():
    result = manage_in_production("check", extra={"DJANGO_LOGIN_FAILURE_LIMIT": "five"})
    assert result.returncode != 0
    assert "DJANGO_LOGIN_FAILURE_LIMIT='five' is not a whole number" in result.stderr
