import json

import pytest
from click.testing import CliRunner

from idp.cli import cli


@pytest.fixture
def run(clean):
    """Run `idp ...` in-process (same env as the app); returns (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args, input=None):
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def run_json(run):
    def invoke(*args, input=None):
        code, out, err = run(*args, "--json", input=input)
        assert code == 0, err
        return json.loads(out)

    return invoke
