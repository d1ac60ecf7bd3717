"""The command line: batch extraction vs pyradiomics' own batch CLI, errors per row, provenance."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from conftest import CASES, case_paths
from radfeat.cli import main
from radfeat.features.registry import all_families

PARAMS = "featureClass:\n  firstorder:\n  shape:\nsetting:\n  binWidth: 25\n"


def _run(*argv):
    return main([str(a) for a in argv])


@pytest.fixture(scope="module")
def manifest(tmp_path_factory, data_dir):
    folder = tmp_path_factory.mktemp("manifest")
    rows = []
    for case in CASES:
        img, msk = case_paths(case)
        rows.append({"Image": img, "Mask": msk, "Patient": case})
    path = folder / "cases.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    (folder / "params.yaml").write_text(PARAMS)
    return path


def test_manifest_matches_pyradiomics_batch(manifest, tmp_path):
    pytest.importorskip("radiomics")
    if "shape" not in {f.name for f in all_families()}:
        pytest.skip("shape family not built")
    params = manifest.parent / "params.yaml"
    ours_path, theirs_path = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    assert _run("extract", "--manifest", manifest, "-p", params, "-o", ours_path) == 0
    # the console script sits beside this interpreter when the venv is not activated (make test)
    beside = Path(sys.executable).with_name("pyradiomics")
    exe = str(beside) if beside.exists() else shutil.which("pyradiomics") or pytest.skip("no pyradiomics CLI")
    subprocess.run([exe, str(manifest), "-p", str(params), "-o", str(theirs_path), "-f", "csv"],
                   check=True, capture_output=True)
    ours, theirs = pd.read_csv(ours_path), pd.read_csv(theirs_path)
    assert len(ours) == len(theirs) == 5
    assert list(ours["Patient"]) == CASES  # pass-through column kept, row order kept
    feature_cols = [c for c in theirs.columns if c.startswith("original_")]
    assert feature_cols and set(feature_cols) == {c for c in ours.columns if c.startswith("original_")}
    np.testing.assert_allclose(ours[feature_cols].to_numpy(float), theirs[feature_cols].to_numpy(float),
                               rtol=1e-6, atol=1e-9)


def test_manifest_records_failures_and_keeps_going(tmp_path, data_dir, capsys):
    img, msk = case_paths("breast1")
    pd.DataFrame([
        {"Image": img, "Mask": msk},
        {"Image": tmp_path / "missing.nrrd", "Mask": msk},
        {"Image": img, "Mask": msk, "Label": 7},
        {"Image": "relative_missing.nrrd", "Mask": ""},
    ]).to_csv(tmp_path / "m.csv", index=False)
    code = _run("extract", "--manifest", tmp_path / "m.csv", "-o", tmp_path / "out.csv")
    assert code == 1
    out = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert len(out) == 4
    assert out.loc[0, "error"] == "" and np.isfinite(float(out.loc[0, "original_firstorder_Mean"]))
    assert "missing.nrrd: file not found" in out.loc[1, "error"]
    assert "label 7 not present" in out.loc[2, "error"]
    # relative paths resolve against the manifest's folder
    assert str(tmp_path / "relative_missing.nrrd") in out.loc[3, "error"]
    assert "FAILED" in capsys.readouterr().err


def test_single_case_label_all_and_provenance(tmp_path):
    rng = np.random.default_rng(1)
    vol = rng.integers(0, 100, (8, 16, 16)).astype(np.int16)
    lab = np.zeros(vol.shape, np.uint8)
    lab[1:4, 2:10, 2:10] = 1
    lab[5:8, 4:14, 3:12] = 2
    sitk.WriteImage(sitk.GetImageFromArray(vol), str(tmp_path / "i.nrrd"))
    sitk.WriteImage(sitk.GetImageFromArray(lab), str(tmp_path / "l.nrrd"))
    assert _run("extract", tmp_path / "i.nrrd", tmp_path / "l.nrrd", "--label", "all", "-s", "binWidth=10",
                "-o", tmp_path / "o.csv") == 0
    out = pd.read_csv(tmp_path / "o.csv")
    assert list(out["Label"]) == [1, 2]
    assert out.loc[1, "original_firstorder_Mean"] == pytest.approx(vol[lab == 2].mean())
    prov = json.loads((tmp_path / "o.csv.provenance.json").read_text())
    import hashlib

    assert prov["cases"][0]["image_sha256"] == hashlib.sha256((tmp_path / "i.nrrd").read_bytes()).hexdigest()
    assert prov["config"]["setting"]["binWidth"] == 10
    assert prov["versions"]["numpy"] == np.__version__


def test_synthetic_default_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _run("extract") == 0
    out = pd.read_csv(tmp_path / "radfeat_features.csv")
    assert len(out) == 1 and out.loc[0, "Image"].startswith("synthetic")
    assert (tmp_path / "radfeat_features.csv.provenance.json").exists()


def test_parquet_output(tmp_path):
    pytest.importorskip("pyarrow")
    assert _run("extract", "-o", tmp_path / "o.parquet") == 0
    assert len(pd.read_parquet(tmp_path / "o.parquet")) == 1


def test_config_error_exit_code(tmp_path, capsys):
    assert _run("extract", "-s", "binwidth=3", "-o", tmp_path / "x.csv") == 2
    assert "did you mean 'binWidth'" in capsys.readouterr().err


def test_features_command_lists_every_family(capsys):
    assert _run("features") == 0
    text = capsys.readouterr().out
    for fam in all_families():
        assert fam.name in text
    assert "RobustMeanAbsoluteDeviation" in text and "P10 <= X <= P90" in text


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "radfeat", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "radfeat" in out.stdout
