"""URSSAF's published reference data, read by both the portal and the sandbox (neither app)."""
