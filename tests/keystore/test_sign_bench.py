"""bench/sign_bench.py runs standalone and reports every algorithm."""

import importlib.util
import os

from tests.conftest import ROOT


def test_sign_bench_prints_a_row_per_alg(capsys):
    spec = importlib.util.spec_from_file_location("sign_bench",
                                                  os.path.join(ROOT, "bench", "sign_bench.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--seconds", "0.01"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ALG", "SIGNED/S", "VERIFIED/S"]
    assert [line.split()[0] for line in lines[1:]] == ["RS256", "PS256", "ES256", "EdDSA"]
    assert all(float(line.split()[1].replace(",", "")) > 0 for line in lines[1:])
