"""``idp demo``: the IdP and three small product apps (Building, Project, Asset) built on
the relying-party kit, seeded so that single sign-on, the entitlement gate, cross-product
API calls and back-channel logout can be tried in a browser (docs/rp-kit.md).

- ``product_app.py``: one product app — exactly the kit integration docs/rp-kit.md shows,
  plus the demo's page extras; ``templates/`` and ``static/`` are its pages.
- ``seed.py``: plans, organisations, people and the three clients (idempotent).
- ``runner.py``: the four servers in one process, readiness, and stopping on Ctrl-C.
"""
