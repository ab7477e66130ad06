"""Sensitive data encrypted at rest: IBANs, BICs, birth date and place, what was sent to URSSAF.

The database (and every dump or backup of it) holds Fernet tokens, never the values. Keys come
from the environment, newest first: SAP_FIELD_ENCRYPTION_KEYS encrypts with the first and
decrypts with any, so a new key is added in front, `manage.py reencrypt_sensitive_data`
rewrites every row with it, then the old key can go. Equality searches ("a client born on this
day") use a keyed hash column (HMAC-SHA256 with SAP_FIELD_HASH_KEYS, separate keys, rotated the
same way): `KeyedHashField`.

A small field of our own rather than a library: the maintained one (django-fernet-encrypted-
fields) derives its keys from SECRET_KEY, so rotating the session-signing key would touch the
data; it has no date field, no keyed-hash column, and lets `filter(iban__startswith=...)`
silently compare ciphertexts. Here every lookup but "is it empty" is refused outright.

An empty value stays empty in the column (so "has no IBAN" and the birth-place constraint still
work); anything else is encrypted.
"""

import datetime as dt
import functools
import hashlib
import hmac
import json
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.dispatch import receiver

EMPTY_VALUES = (None, "")


@functools.cache
def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "SAP_FIELD_ENCRYPTION_KEYS must list Fernet keys (32 url-safe base64-encoded bytes), "
            "newest first, separated by commas."
        ) from exc


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernet.cache_clear()


def check_encryption_keys(app_configs=None, **kwargs) -> list[CheckMessage]:
    """Start-up check: the encryption keys must be Fernet keys, before any row is read."""
    try:
        _fernet()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="clients.E002")]
    return []


def encrypt(text: str) -> str:
    """Return `text` encrypted with the newest key, as a URL-safe ASCII token."""
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """Return the text of a token made with any of the configured keys.

    Raises ImproperlyConfigured (never showing the token) when no key opens it.
    """
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with SAP_FIELD_ENCRYPTION_KEYS: a key still in "
            "use was removed, or the value was written with another key."
        ) from None


def reencrypt(token: str) -> str:
    """Return the same value encrypted with the newest key (its original timestamp kept)."""
    return _fernet().rotate(token.encode()).decode()


def is_current(token: str) -> bool:
    """Whether `token` was made with the newest key."""
    try:
        Fernet(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def keyed_hash(purpose: str, value, *, key: str | None = None) -> str:
    """Return the HMAC-SHA256 (hex) of a value for `purpose`, with the newest hash key by default.

    "" for no value. Without the key nobody can test guesses against the column, as they could
    against a plain hash of a birth date (a few tens of thousands of candidates).
    """
    if value in EMPTY_VALUES:
        return ""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    secret = (key or settings.FIELD_HASH_KEYS[0]).encode()
    return hmac.new(secret, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()


def keyed_hashes(purpose: str, value) -> list[str]:
    """Return the hash of a value under every configured key: finds rows not yet rehashed."""
    return [keyed_hash(purpose, value, key=key) for key in settings.FIELD_HASH_KEYS]


# --- model fields -----------------------------------------------------------------------------


class BlankOnlyExact(Exact):
    """`field=""` (or None) only: ciphertexts are random, any other comparison means nothing."""

    def get_prep_lookup(self):
        if self.rhs not in EMPTY_VALUES:
            raise ValueError(
                f"{self.lhs.output_field.name} is encrypted: only an empty value can be searched."
            )
        return super().get_prep_lookup()


class EncryptedFieldMixin:
    """Store the value encrypted in a text column; refuse every lookup but emptiness.

    `sensitive` marks the field for the admin, which refuses URL lookups that reach it.
    """

    sensitive = True

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection):
        return connection.data_types["TextField"]

    def cast_db_type(self, connection):
        return self.db_type(connection)

    def to_plain_text(self, value) -> str:
        return str(value)

    def from_plain_text(self, text: str):
        return self.to_python(text)  # type: ignore[attr-defined]  # mixed into a Field

    def prepare(self, value):
        """The value as the field means it, before it is written as text."""
        return self.get_prep_value(value)

    def stays_empty(self, value) -> bool:
        return value in EMPTY_VALUES

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.prepare(value)
        if self.stays_empty(value):
            return value
        return encrypt(self.to_plain_text(value))

    def from_db_value(self, value, expression, connection):
        if self.stays_empty(value):
            return value
        return self.from_plain_text(decrypt(value))

    def get_lookup(self, lookup_name):
        return {"isnull": IsNull, "exact": BlankOnlyExact}.get(lookup_name)

    def get_transform(self, name):
        return None


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A CharField (max_length applies to the value) stored encrypted in a text column."""


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    def to_plain_text(self, value: dt.date) -> str:
        return value.isoformat()

    def prepare(self, value):
        # DateField.get_prep_value would hand back a date for the database adapter.
        return self.to_python(value)


class EncryptedJSONField(EncryptedFieldMixin, models.JSONField):
    """A JSON document kept whole and encrypted: read and shown, never searched."""

    def to_plain_text(self, value) -> str:
        return json.dumps(value, cls=self.encoder or DjangoJSONEncoder)

    def from_plain_text(self, text: str):
        return json.loads(text, cls=self.decoder)

    def prepare(self, value):
        # JSONField would wrap the value for the database's JSON type: this column is text.
        return value

    def stays_empty(self, value) -> bool:
        # An empty document ({} or "") is a value, encrypted like any other.
        return value is None


class KeyedHashField(models.CharField):
    """The keyed hash of another field, filled in when the row is saved (bulk_create included).

    Only equality can be searched, through `keyed_hashes`. Like `auto_now`, it is not updated
    by `QuerySet.update()` nor by `save(update_fields=...)` that leaves it out.
    """

    sensitive = True

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for option, default in (("max_length", 64), ("editable", False), ("blank", True)):
            if kwargs.get(option, default) == default:
                kwargs.pop(option, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        digest = keyed_hash(self.source, getattr(model_instance, self.source))
        setattr(model_instance, self.attname, digest)
        return digest


def encrypted_field_names(model: type[models.Model], prefix: str = "") -> list[str]:
    """Names of `model`'s encrypted fields (after `prefix`, e.g. "client__"), for `.defer()`.

    A list that never shows them (names, amounts) should not pay for decrypting them: a few
    Fernet tokens per row cost more than the rest of a page.
    """
    return [
        prefix + field.name
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedFieldMixin)
    ]


def is_sensitive(field) -> bool:
    """Whether a model field holds (or reveals) data encrypted at rest."""
    return getattr(field, "sensitive", False)


# --- rewriting stored values (key rotation) ---------------------------------------------------

BATCH_SIZE = 500


def rewrite_stored_values(connection, table: str, columns: Sequence[str], convert) -> int:
    """Apply `convert` to every non-empty value stored in these columns, bypassing the fields.

    Raw SQL, in batches by primary key: the values need no decrypting (a token re-encrypted
    with the newest key). Returns the number of rows rewritten.
    """
    quote = connection.ops.quote_name
    selected = ", ".join(quote(column) for column in columns)
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    select = f"SELECT id, {selected} FROM {quote(table)} WHERE id > %s ORDER BY id LIMIT %s"  # noqa: S608
    update = f"UPDATE {quote(table)} SET {assignments} WHERE id = %s"  # noqa: S608
    rewritten, last_pk = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(select, [last_pk, BATCH_SIZE])
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            for pk, *stored in rows:
                values = [value if value in EMPTY_VALUES else convert(value) for value in stored]
                if values != stored:
                    cursor.execute(update, [*values, pk])
                    rewritten += 1
            last_pk = rows[-1][0]


def encrypted_columns() -> dict[type[models.Model], list[str]]:
    """Return every model with encrypted fields, and their columns."""
    from django.apps import apps

    found: dict[type[models.Model], list[str]] = {}
    for model in apps.get_models():
        columns = [
            field.column
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedFieldMixin)
        ]
        if columns:
            found[model] = columns
    return found
