from tests.oidc.conftest import flow  # noqa: F401  (a signed-in relying party)
