"""Triage: the queue where the staff deal with what URSSAF refused or the portal could not do.

One concept for both kinds of record (registrations, payment requests): the abstract model
(`models.TriageRecord`), the advice mechanism (`advice`) fed by each domain's table
(`registration/triage_table.py`, `payments/triage_table.py`), the admin mixin (`admin`), the
admin templates under templates/admin/urssaf/ and the `triage_counts` template tag
(urssaf/templatetags/urssaf_tags.py).
"""
