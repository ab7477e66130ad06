# Fixtures shared by every test package (the URSSAF sandbox: tests/plugins/sandbox.py).
pytest_plugins = ["tests.plugins.sandbox"]
