"""Assertions for spec-shaped OAuth errors."""

from __future__ import annotations


def assert_oauth_error(resp, error: str, status: int = 400) -> dict:
    """The response is JSON {error, error_description?} with this code and status."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_json()
    assert body is not None, resp.get_data(as_text=True)[:300]
    assert body["error"] == error, body
    return body
