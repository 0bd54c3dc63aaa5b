"""CLI tests use the shared `run` / `run_json` fixtures of tests/conftest.py."""
