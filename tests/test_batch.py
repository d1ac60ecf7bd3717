"""Batch extraction: every executor gives the same table, bad cases never stop the batch, and a
killed run resumes to exactly the output of an uninterrupted one."""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from radfeat.batch.journal import Journal
from radfeat.batch.progress import Progress
from radfeat.datasets.synthetic import synthetic_case
from radfeat.extraction import extract_many
from radfeat.io.manifest import read_manifest

#: Small, quick settings: the machinery is under test here, the features are tested elsewhere.
PARAMS = {"setting": {"binWidth": 25}, "featureClass": {"firstorder": [], "glcm": [], "shape": []}}
N_GOOD = 200
SPACING = (0.8, 0.8, 2.0)

#: kind -> a phrase its error message must contain
BAD_KINDS = {
    "corrupt_nrrd": "cannot read image",
    "truncated_nifti": "file is truncated",
    "missing_file": "not found",
    "size_mismatch": "size",
    "spacing_mismatch": "spacing",
    "empty_mask": "label 1",
    "wrong_label": "label 7",
    "nan_voxels": "NaN",
    "rgb_for_3d": "mask does not match image",
    "absurd_bin_range": "grey levels",
    "empty_file": "cannot read image",
    "not_an_image": "cannot read image",
}


def _write(arr, path, spacing=SPACING):
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing(spacing[: arr.ndim][::-1] if arr.ndim == 2 else spacing)
    sitk.WriteImage(img, str(path))
    return path.name


def _good_case(folder, i):
    image, mask = synthetic_case((6, 16, 16), seed=i)
    return {"Image": _write(image, folder / f"img{i:03d}.nrrd"), "Mask": _write(mask, folder / f"msk{i:03d}.nrrd"),
            "patient": f"case{i:03d}"}


def _bad_case(folder, kind):
    image, mask = synthetic_case((6, 16, 16), seed=1000)
    img, msk = f"{kind}_img.nrrd", f"{kind}_msk.nrrd"
    row = {"Image": img, "Mask": msk, "patient": kind}
    _write(image, folder / img)
    _write(mask, folder / msk)
    if kind == "corrupt_nrrd":
        (folder / img).write_bytes(b"NRRD0004\ntype: short\ndimension: 3\nsizes: 16 16 6\nencoding: raw\n\n" + b"\0" * 9)
    elif kind == "truncated_nifti":
        row["Image"] = f"{kind}.nii.gz"
        sitk.WriteImage(sitk.GetImageFromArray(image), str(folder / "full.nii.gz"))
        data = gzip.decompress((folder / "full.nii.gz").read_bytes())
        (folder / row["Image"]).write_bytes(gzip.compress(data[: len(data) // 2]))
    elif kind == "missing_file":
        row["Image"] = "no_such_image.nrrd"
    elif kind == "size_mismatch":
        _write(mask[:, :, :-2], folder / msk)
    elif kind == "spacing_mismatch":
        _write(mask, folder / msk, spacing=(0.8, 0.8, 3.0))
    elif kind == "empty_mask":
        _write(np.zeros_like(mask), folder / msk)
    elif kind == "wrong_label":
        row["Label"] = "7"
    elif kind == "nan_voxels":
        bad = image.astype(np.float32)
        bad[mask == 1] = np.nan
        _write(bad, folder / img)
    elif kind == "rgb_for_3d":
        import imageio.v3 as iio

        row["Image"] = f"{kind}.png"
        iio.imwrite(folder / row["Image"], np.zeros((16, 16, 3), np.uint8))
    elif kind == "absurd_bin_range":
        huge = image.astype(np.float64) * 1e9  # binWidth 25 over 1e11 grey levels: the matrix guard trips
        _write(huge, folder / img)
    elif kind == "empty_file":
        (folder / img).write_bytes(b"")
    elif kind == "not_an_image":
        row["Image"] = f"{kind}.nrrd.txt"
        (folder / row["Image"]).write_text("patient notes, not pixels")
    return row


def _manifest(folder, rows, name="cases.csv"):
    path = folder / name
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, ["Image", "Mask", "Label", "patient"])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """200 good cases and one of each bad kind, interleaved; plus a manifest of the good ones alone."""
    folder = tmp_path_factory.mktemp("cohort")
    good = [_good_case(folder, i) for i in range(N_GOOD)]
    bad = [_bad_case(folder, kind) for kind in BAD_KINDS]
    rows = list(good)
    for k, row in enumerate(bad):
        rows.insert(7 + 17 * k, row)
    return {"folder": folder, "all": _manifest(folder, rows), "good": _manifest(folder, good, "good.csv"),
            "n": len(rows)}


@pytest.fixture(scope="module")
def serial(cohort):
    table, records = extract_many(cohort["all"], PARAMS)
    return table, records


def test_bad_cases_get_clear_messages_and_good_rows_match_a_clean_run(cohort, serial):
    table, records = serial
    assert len(table) == cohort["n"] and len(records) == cohort["n"]
    failed = table[table["error"] != ""]
    assert sorted(failed["patient"]) == sorted(BAD_KINDS)
    for _, row in failed.iterrows():
        assert BAD_KINDS[row["patient"]] in row["error"], (row["patient"], row["error"])
        # the message names the file it is about
        assert Path(row["Image"]).name in row["error"] or Path(row["Mask"]).name in row["error"]
    clean, _ = extract_many(cohort["good"], PARAMS)
    good = table[table["error"] == ""].reset_index(drop=True)
    pd.testing.assert_frame_equal(good, clean[good.columns], check_exact=True)


def test_processes_and_dask_give_the_serial_table(cohort, serial):
    pytest.importorskip("distributed")
    table, _ = serial
    parallel, _ = extract_many(cohort["all"], PARAMS, jobs=2)
    pd.testing.assert_frame_equal(parallel, table, check_exact=True)
    dask, _ = extract_many(cohort["all"], PARAMS, jobs=2, executor="dask")
    pd.testing.assert_frame_equal(dask, table, check_exact=True)


def test_skip_and_raise_policies(cohort, serial):
    table, _ = serial
    skipped, records = extract_many(cohort["all"], PARAMS, on_error="skip")
    assert len(skipped) == N_GOOD and len(records) == cohort["n"]
    assert sum(bool(r["error"]) for r in records) == len(BAD_KINDS)
    specs = read_manifest(cohort["all"])[:10]  # the first bad case is the 8th row
    with pytest.raises(Exception, match="cannot read image"):
        extract_many(specs, PARAMS, on_error="raise")


def _cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "radfeat", "extract", *map(str, args), "--progress", "none"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def _reference_csv(cohort, tmp_path):
    out = tmp_path / "reference.csv"
    assert _cli("--manifest", cohort["all"], "-o", out, "--journal", tmp_path / "ref.journal",
                "-s", "binWidth=25").wait() == 1  # exit 1: some cases failed
    return out


def _kill_when(proc, journal: Path, entries: int, victim=None, timeout=180):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if journal.exists() and sum(1 for _ in journal.glob("*.json")) >= entries:
            os.kill(victim() if victim else proc.pid, signal.SIGKILL)
            return
        if proc.poll() is not None:
            pytest.fail("the run finished before it could be killed")
        time.sleep(0.05)
    pytest.fail("the run made no progress")


def test_sigkill_then_rerun_gives_the_uninterrupted_output(cohort, tmp_path):
    reference = _reference_csv(cohort, tmp_path)
    out, journal = tmp_path / "out.csv", tmp_path / "out.csv.journal"
    proc = _cli("--manifest", cohort["all"], "-o", out, "-s", "binWidth=25")
    _kill_when(proc, journal, 40)
    proc.wait()
    assert not out.exists()  # nothing half-written
    done_before = len(Journal(journal))
    assert 40 <= done_before < N_GOOD
    proc = _cli("--manifest", cohort["all"], "-o", out, "-s", "binWidth=25")
    assert proc.wait() == 1
    assert out.read_bytes() == reference.read_bytes()  # no lost rows, no duplicates, same order


def test_killed_dask_worker_loses_nothing(cohort, tmp_path):
    psutil = pytest.importorskip("psutil")
    pytest.importorskip("distributed")
    reference = _reference_csv(cohort, tmp_path)
    out, journal = tmp_path / "out.csv", tmp_path / "out.csv.journal"
    proc = _cli("--manifest", cohort["all"], "-o", out, "-s", "binWidth=25", "-j", "2", "--executor", "dask")

    def a_worker():
        # LocalCluster's workers are spawned children of the CLI process (beside multiprocessing's
        # resource tracker, which must not be the one killed)
        workers = [c for c in psutil.Process(proc.pid).children(recursive=True)
                   if "spawn_main" in " ".join(c.cmdline())]
        assert workers, "no Dask worker process found"
        return workers[0].pid

    _kill_when(proc, journal, 40, victim=a_worker)
    assert proc.wait() == 1  # the batch finished (exit 1 for the bad cases), despite the lost worker
    assert out.read_bytes() == reference.read_bytes()


def test_changed_inputs_and_settings_are_recomputed(tmp_path):
    rows = [_good_case(tmp_path, i) for i in range(4)]
    manifest = _manifest(tmp_path, rows)
    journal = tmp_path / "j"
    first, _ = extract_many(manifest, PARAMS, journal=journal)
    assert len(Journal(journal)) == 4
    # a rerun reads every case back from the journal
    again, _ = extract_many(manifest, PARAMS, journal=journal)
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    # change one image: only that case gets a new entry, and its row is fresh
    image, mask = synthetic_case((6, 16, 16), seed=99)
    _write(image, tmp_path / rows[2]["Image"])
    changed, _ = extract_many(manifest, PARAMS, journal=journal)
    assert len(Journal(journal)) == 5
    fresh, _ = extract_many(manifest, PARAMS)
    pd.testing.assert_frame_equal(changed, fresh, check_exact=True)
    assert not np.isclose(changed.loc[2, "original_firstorder_Mean"], first.loc[2, "original_firstorder_Mean"])
    # other settings: nothing is reused
    other = {**PARAMS, "setting": {"binWidth": 10}}
    extract_many(manifest, other, journal=journal)
    assert len(Journal(journal)) == 9


def test_journal_survives_a_torn_entry(tmp_path):
    rows = [_good_case(tmp_path, i) for i in range(3)]
    manifest = _manifest(tmp_path, rows)
    first, _ = extract_many(manifest, PARAMS, journal=tmp_path / "j")
    entry = next((tmp_path / "j").glob("*.json"))
    entry.write_text(entry.read_text()[:50])  # a torn write reads as missing and is recomputed
    again, _ = extract_many(manifest, PARAMS, journal=tmp_path / "j")
    pd.testing.assert_frame_equal(again, first, check_exact=True)


def test_no_dicom_identifiers_in_any_output(tmp_path):
    pytest.importorskip("pydicom")
    from test_io import _write_dicom_series

    volume, mask = synthetic_case((5, 16, 16), seed=3)
    _write_dicom_series(tmp_path / "series", volume, (0.8, 0.8, 2.0))
    m = sitk.GetImageFromArray(mask)
    m.CopyInformation(_series_geometry(tmp_path / "series"))
    sitk.WriteImage(m, str(tmp_path / "mask.nrrd"))
    manifest = _manifest(tmp_path, [{"Image": "series", "Mask": "mask.nrrd", "patient": "anon-1"}] * 2)
    out = tmp_path / "out.csv"
    assert _cli("--manifest", manifest, "-o", out).wait() == 0
    written = [out, out.with_name(out.name + ".provenance.json"), *Path(str(out) + ".journal").glob("*")]
    for path in written:
        text = path.read_text()
        assert "Doe^Jane" not in text and "PATIENT-ID-123" not in text, path


def _series_geometry(folder):
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    return reader.Execute()


def test_progress_reports_rate_and_eta(capsys):
    import io
    import json

    stream = io.StringIO()
    progress = Progress(4, stream=stream, bar=False, interval=0)
    progress.resumed(1)
    progress.update(1)
    progress.update(1, failed=1)
    progress.update(1)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["done"] for line in lines] == [2, 3, 4]
    assert lines[-1]["failed"] == 1 and lines[-1]["eta_s"] == 0.0 and lines[-1]["rate"] > 0
    bar = io.StringIO()
    Progress(2, stream=bar, bar=True).update(2)
    assert "2/2 cases" in bar.getvalue() and bar.getvalue().endswith("\n")


def test_features_do_not_depend_on_the_thread_count(tmp_path):
    # --jobs workers run one thread, the serial path runs every core: large ROIs (split into
    # partial sums) must give the same bits either way
    image, mask = synthetic_case((48, 96, 96), seed=5)
    np.save(tmp_path / "im.npy", image)
    np.save(tmp_path / "m.npy", mask)
    code = ("import sys, numpy as np, numba, radfeat; numba.set_num_threads(int(sys.argv[1])); "
            f"f = radfeat.extract(np.load({str(tmp_path / 'im.npy')!r}), np.load({str(tmp_path / 'm.npy')!r}), "
            "binWidth=25); print(repr(list(f.values())))")
    out = [subprocess.run([sys.executable, "-c", code, str(n)], capture_output=True, text=True, check=True).stdout
           for n in (1, 2)]
    assert out[0] == out[1]
