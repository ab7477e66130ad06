"""Secrets for the links sent to people: random, long, and stored only as a hash.

Whoever reads the database (a backup, the admin) learns nothing that opens an account.
"""

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """Return a fresh token to put in a link, and the hash to store in its place."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """Return the stored form of `token`."""
    return hashlib.sha256(token.encode()).hexdigest()
