from http import HTTPStatus

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import audit, audit_many, audit_trail

pytestmark = pytest.mark.django_db


def test_audit_records_who_did_what_to_which_object(alice, sam):
    audit(actor=sam, action="ai.contacted", obj=alice, changes={"note": [None, "appelée"]})
    audit(actor=None, action="ai.status", obj=alice, changes={"ai_status": ["sent", "active"]})

    entries = list(audit_trail(alice))
    assert [e.action for e in entries] == ["ai.status", "ai.contacted"]
    assert entries[1].actor == sam
    assert entries[0].actor is None
    assert entries[0].changes == {"ai_status": ["sent", "active"]}
    assert entries[0].object_repr == str(alice)


def test_audit_trail_of_another_object_is_separate(alice, bob, sam):
    audit(actor=sam, action="ai.contacted", obj=alice)
    assert list(audit_trail(bob)) == []


def test_many_system_entries_go_in_at_once_like_one_by_one(alice, bob, django_assert_num_queries):
    rows = [(alice, "ai.status", {"ai_status": ["sent", "active"]}), (bob, "ai.status", {})]
    ContentType.objects.get_for_model(alice)  # cached for the process, as in a running worker

    with django_assert_num_queries(1):
        audit_many(rows)

    [about_alice] = audit_trail(alice)
    assert (about_alice.actor, about_alice.action) == (None, "ai.status")
    assert about_alice.changes == {"ai_status": ["sent", "active"]}
    assert about_alice.object_repr == str(alice)
    assert [e.action for e in audit_trail(bob)] == ["ai.status"]


def test_staff_can_read_but_never_change_or_delete_the_audit_trail(client, alice, sam):
    entry = audit(actor=sam, action="ai.contacted", obj=alice)
    client.force_login(sam)

    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == HTTPStatus.OK
    change_url = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert client.get(change_url).status_code == HTTPStatus.OK  # read-only view
    client.post(change_url, {"action": "forged"})
    delete_url = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    entry.refresh_from_db()
    assert entry.action == "ai.contacted"
    assert AuditEntry.objects.count() == 1


def test_every_audit_action_written_by_the_code_has_a_french_label():
    import re
    from pathlib import Path

    from django.conf import settings

    from audit.labels import ACTION_LABELS

    root = Path(settings.BASE_DIR)
    literal = re.compile(
        r"""["']((?:ai|books|client|credit_note|evidence_pack|invoices?|payout|urssaf|user)"""
        r"""\.[a-z_]+(?:\.[a-z_]+)*)["']"""
    )
    written = set()
    for app in ("audit", "books", "clients", "invoices", "urssaf"):
        for path in (root / app).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "audit" in text:
                written |= set(literal.findall(text))

    assert written  # the scan finds the codes
    assert written - set(ACTION_LABELS) == set()


def test_an_entry_reads_in_paris_time_with_its_label(alice):
    import datetime as dt

    from audit.models import AuditEntry
    from audit.services import audit

    audit(actor=None, action="ai.registration.failed", obj=alice)
    entry = AuditEntry.objects.get(action="ai.registration.failed")
    entry.created_at = dt.datetime(2026, 12, 5, 17, 30, tzinfo=dt.UTC)

    assert str(entry).startswith("05/12/2026 18:30 Inscription refusée par l'URSSAF")
