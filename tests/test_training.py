"""radfeat train / predict: a fitted pipeline in a skops file, a model card, safe loading."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import DATA_DIR

pytest.importorskip("sklearn")
pytest.importorskip("skops")

BREAST = DATA_DIR / "medmnist-breastmnist" / "breastmnist.npz"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    if not BREAST.exists():
        pytest.skip("BreastMNIST missing")
    from radfeat.cli import main

    folder = tmp_path_factory.mktemp("train")
    (folder / "cfg.yaml").write_text(
        f"data:\n  medmnist: {BREAST}\nmodel: logreg\nfeatures:\n  settings: {{binCount: 16}}\n"
        "  families: [firstorder, glcm, glszm]\n")
    assert main(["train", "--config", str(folder / "cfg.yaml"), "-o", str(folder / "m.skops")]) == 0
    return folder


def test_model_file_and_card(trained):
    from radfeat.training import load_model

    doc = load_model(trained / "m.skops")
    assert doc["classes"] == [0, 1] and len(doc["feature_names"]) == 58
    card = (trained / "m.md").read_text(encoding="utf-8")
    for part in ("Held-out test metrics", "| auc |", "Top features", "numpy", "624 training images"):
        assert part in card
    auc = float(card.split("| auc | ")[1].split(" |")[0])
    # logistic regression on 58 features: clearly better than chance (0.5) on the official test split
    assert auc > 0.7


def test_predict_on_files_equals_pipeline_on_arrays(trained):
    iio = pytest.importorskip("imageio.v3")
    import pandas as pd

    from radfeat.cli import main
    from radfeat.training import load_model

    images = np.load(BREAST)["test_images"][:6]
    paths = []
    for i, im in enumerate(images):
        paths.append(trained / f"t{i}.png")
        iio.imwrite(paths[-1], im)
    assert main(["predict", "--model", str(trained / "m.skops"), *map(str, paths), "-o", str(trained / "p.csv")]) == 0
    out = pd.read_csv(trained / "p.csv")
    expected = load_model(trained / "m.skops")["pipeline"].predict_proba(images)
    np.testing.assert_allclose(out[["p_0", "p_1"]].to_numpy(), expected, rtol=1e-9)


def test_untrusted_and_foreign_files_are_refused(trained, tmp_path):
    import skops.io as sio

    from radfeat.training import ModelFileError, load_model

    class Sneaky:
        pass

    sio.dump({"radfeat_model": 1, "feature_version": "1", "payload": Sneaky()}, tmp_path / "bad.skops")
    with pytest.raises(ModelFileError, match="untrusted types"):
        load_model(tmp_path / "bad.skops")
    sio.dump({"radfeat_model": 1, "feature_version": "0", "radfeat_version": "0.0.1", "pipeline": None,
              "classes": [0, 1], "feature_names": []}, tmp_path / "old.skops")
    with pytest.raises(ModelFileError, match="feature version 0.*retrain"):
        load_model(tmp_path / "old.skops")
    (tmp_path / "junk.skops").write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="not a skops model file"):
        load_model(tmp_path / "junk.skops")


def test_xgboost_pipeline_round_trips_through_skops(tmp_path):
    pytest.importorskip("xgboost")
    from radfeat.sklearn import make_classifier_pipeline
    from radfeat.training import load_model, save_model

    rng = np.random.default_rng(0)
    X = rng.integers(0, 255, size=(60, 20, 20)).astype(np.uint8)
    y = np.arange(60) % 2
    X[y == 1, 5:15, 5:15] = 255  # a learnable difference
    pipe = make_classifier_pipeline("xgboost", features={"families": ["firstorder", "glcm"]}).fit(X, y)
    save_model(pipe, tmp_path / "x.skops", classes=pipe.classes_, feature_names=[])
    again = load_model(tmp_path / "x.skops")["pipeline"]
    np.testing.assert_allclose(again.predict_proba(X), pipe.predict_proba(X), rtol=1e-6)
