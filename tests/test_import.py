"""``import radfeat`` stays light: no torch, sklearn, pandas or Numba, and nothing compiles."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY = ["torch", "sklearn", "pandas", "numba", "SimpleITK", "skimage", "xgboost", "dask"]


def test_import_is_light():
    code = ("import sys, radfeat; heavy = %r; "
            "print(','.join(m for m in heavy if m in sys.modules))" % HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="kernels are plain functions without JIT")
def test_importing_features_compiles_nothing():
    code = ("import radfeat.features, radfeat.extraction, sys, numba\n"
            "from numba.core.registry import CPUDispatcher\n"
            "compiled = [f'{m}.{n}' for m, mod in list(sys.modules.items()) if m.startswith('radfeat._kernels')\n"
            "            for n, obj in vars(mod).items() if isinstance(obj, CPUDispatcher) and obj.signatures]\n"
            "kernels = [n for m, mod in list(sys.modules.items()) if m.startswith('radfeat._kernels')\n"
            "           for n, obj in vars(mod).items() if isinstance(obj, CPUDispatcher)]\n"
            "print(len(kernels), compiled)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    n_kernels, compiled = out.stdout.split(" ", 1)
    assert int(n_kernels) > 0 and compiled.strip() == "[]"
