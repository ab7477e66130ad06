"""`manage.py urssaf_qualification` against the sandbox: green, readable, secrets masked."""

import json

import pytest
from django.core.management import call_command

from urssaf.qualification import report, scenarios

pytestmark = pytest.mark.django_db


def run_against(sandbox, tmp_path, *extra):
    call_command(
        "urssaf_qualification",
        "--base-url",
        sandbox.api_base_url,
        "--token-url",
        sandbox.token_url,
        "--console",
        sandbox.url,
        "--output",
        str(tmp_path),
        "--prefix",
        "Q-TEST",
        *extra,
    )
    [folder] = tmp_path.iterdir()
    return folder


SECRET = "s3cr3t-qualification"


def test_the_campaign_is_green_against_the_sandbox_and_masks_every_secret(
    sandbox, urssaf_settings, tmp_path
):
    sandbox.add_organisation("qualification-coop", SECRET)
    urssaf_settings.URSSAF_CLIENT_ID = "qualification-coop"
    urssaf_settings.URSSAF_CLIENT_SECRET = SECRET

    folder = run_against(sandbox, tmp_path)

    data = json.loads((folder / "report.json").read_text("utf-8"))
    assert data["green"] is True
    assert [s["key"] for s in data["scenarios"]] == [key for key, _, _ in scenarios.SCENARIOS]
    assert {s["verdict"] for s in data["scenarios"]} == {scenarios.PASSED}
    assert all(s["exchanges"] and s["checks"] for s in data["scenarios"])
    html = (folder / "report.html").read_text("utf-8")
    assert "Prélèvement refusé (60), dès le statut 30" in html
    for text in (html, (folder / "report.json").read_text("utf-8")):
        assert SECRET not in text
        assert "FR7630006000011234567890189" not in text
        assert "AGRIFRPP882" not in text
        assert "Bearer ***" in text
    token_call = data["scenarios"][0]["exchanges"][0]
    assert token_call["request"]["body"]["client_secret"] == report.MASK
    assert token_call["response"]["body"]["access_token"] == report.MASK


def test_without_a_console_the_persons_steps_are_left_to_urssafs_testers(
    sandbox, urssaf_settings, tmp_path
):
    call_command(
        "urssaf_qualification",
        "--base-url",
        sandbox.api_base_url,
        "--token-url",
        sandbox.token_url,
        "--output",
        str(tmp_path),
    )
    [folder] = tmp_path.iterdir()

    data = json.loads((folder / "report.json").read_text("utf-8"))
    verdicts = {s["key"]: s["verdict"] for s in data["scenarios"]}
    assert verdicts["registration_accepted"] == scenarios.PASSED
    assert verdicts["activation_status"] == scenarios.MANUAL
    assert verdicts["validation"] == scenarios.MANUAL
    assert data["green"] is True


def test_a_failed_check_makes_the_run_red(sandbox, urssaf_settings, tmp_path, monkeypatch):
    # Expecting 70 where a bounced debit gives 60: the last scenario fails, the run is red.
    wrong = scenarios._action(4, "refuse-debit", "70", before=("validate",))
    last_key, last_title, _ = scenarios.SCENARIOS[-1]
    monkeypatch.setattr(
        scenarios, "SCENARIOS", (*scenarios.SCENARIOS[:-1], (last_key, last_title, wrong))
    )

    with pytest.raises(Exception, match="Au moins un scénario a échoué"):
        run_against(sandbox, tmp_path)

    [folder] = tmp_path.iterdir()
    data = json.loads((folder / "report.json").read_text("utf-8"))
    assert data["green"] is False
    assert data["scenarios"][-1]["verdict"] == scenarios.FAILED


def test_masking_reaches_nested_fields_and_form_bodies():
    assert report.mask({"a": [{"iban": "FR76…", "bic": "X"}], "client_secret": "s"}) == {
        "a": [{"iban": "***", "bic": "***"}],
        "client_secret": "***",
    }
    assert report._body(b"grant_type=client_credentials&client_secret=s") == {
        "grant_type": "client_credentials",
        "client_secret": "***",
    }


def test_by_default_the_command_starts_its_own_sandbox_and_stops_it(tmp_path, capsys):
    call_command("urssaf_qualification", "--output", str(tmp_path))

    [folder] = tmp_path.iterdir()
    data = json.loads((folder / "report.json").read_text("utf-8"))
    assert data["green"] is True
    assert data["base_url"].startswith("http://127.0.0.1:")
    assert "Rapport :" in capsys.readouterr().out
