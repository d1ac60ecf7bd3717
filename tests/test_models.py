"""The CNN baseline: architectures, image preparation, and the scikit-learn classifier.

Every fit is a few epochs of the small CNN on 16x16 images, so the file runs in seconds on a CPU.
"""

from __future__ import annotations

import math
import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from radfeat.models import (
    CNNClassifier,
    ResNet18,
    SimpleCNN,
    build_model,
    images_to_tensor,
)
from radfeat.models.device import describe_device, pick_device

FAST = {"arch": "simple", "epochs": 2, "batch_size": 16, "image_size": 16}


def bright_dark(n=64, size=16, seed=0, shift=2.0):
    """``n`` grey images, the second half brighter by ``shift`` noise standard deviations."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, size, size)).astype(np.float32)
    y = np.repeat([0, 1], n // 2)
    X[y == 1] += shift
    return X, y


@pytest.fixture(scope="module")
def fitted():
    """A small fitted model with string labels given as a column, and its data."""
    X, y = bright_dark()
    labels = np.where(y == 1, "bright", "dark")[:, None]
    return CNNClassifier(**FAST).fit(X, labels), X, labels


# --------------------------------------------------------------------------------- architectures


@pytest.mark.parametrize("size", [28, 32, 20])
@pytest.mark.parametrize("channels", [1, 3])
def test_simple_cnn_2d_output_shape(size, channels):
    model = SimpleCNN(channels, 5, image_size=size).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, channels, size, size)).shape == (2, 5)


def test_simple_cnn_3d_output_shape():
    model = SimpleCNN(1, 3, ndim=3, image_size=16, width=8, hidden=32).eval()
    assert isinstance(model.features[0], torch.nn.Conv3d)
    with torch.no_grad():
        assert model(torch.zeros(2, 1, 16, 16, 16)).shape == (2, 3)


def test_simple_cnn_too_small_image():
    with pytest.raises(ValueError, match="at least 8"):
        SimpleCNN(1, 2, image_size=7)


def _resnet18_parameters(in_channels, n_classes):
    """Parameter count of ResNet-18 with a 3x3 stem and no max-pool, from the architecture."""
    def conv(cin, cout, k):
        return cin * cout * k * k

    def bn(c):
        return 2 * c  # weight and bias; the running statistics are buffers
    total = conv(in_channels, 64, 3) + bn(64)
    cin = 64
    for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        for block in range(2):
            first_in = cin if block == 0 else width
            total += conv(first_in, width, 3) + bn(width) + conv(width, width, 3) + bn(width)
            if block == 0 and (stride != 1 or cin != width):
                total += conv(cin, width, 1) + bn(width)
        cin = width
    return total + 512 * n_classes + n_classes


def test_resnet18_output_shape_and_parameter_count():
    model = ResNet18(3, 10).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 28, 28)).shape == (2, 10)
    n = sum(p.numel() for p in model.parameters())
    # torchvision's resnet18(num_classes=10) has 11,181,642; its 7x7 stem (3*64*49) becomes 3x3 (3*64*9)
    assert _resnet18_parameters(3, 10) == 11_181_642 - 3 * 64 * 49 + 3 * 64 * 9 == 11_173_962
    assert n == 11_173_962
    assert sum(p.numel() for p in ResNet18(1, 2).parameters()) == _resnet18_parameters(1, 2)
    # the MedMNIST stem: stride 1 and no max-pool, so layer1 still sees 28x28
    assert model.conv1.kernel_size == (3, 3) and model.conv1.stride == (1, 1)
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in model.modules())


def test_build_model():
    assert isinstance(build_model("simple", 1, 2, 3, 16), SimpleCNN)
    assert isinstance(build_model("resnet18", 3, 2), ResNet18)
    with pytest.raises(ValueError, match="2D only"):
        build_model("resnet18", 1, 2, ndim=3)
    with pytest.raises(ValueError, match="'simple', 'resnet18'"):
        build_model("vgg", 1, 2)


# ---------------------------------------------------------------------------------------- devices


def test_pick_device():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device("auto").type in {"cpu", "cuda", "mps"}
    assert describe_device("cpu").startswith("cpu (") and "threads" in describe_device("cpu")
    with pytest.raises(ValueError, match="unknown device"):
        pick_device("quantum")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            pick_device("cuda:1")
    else:
        with pytest.raises(ValueError, match="CUDA device"):
            pick_device(f"cuda:{torch.cuda.device_count()}")


def test_import_does_not_load_torch_and_missing_torch_is_explained():
    code = "import sys, radfeat, radfeat.models; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = ("import sys; sys.modules['torch'] = None\n"
            "import radfeat.models\n"
            "try:\n    radfeat.models.CNNClassifier\nexcept ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'radfeat[cnn]'" in out.stdout


# ---------------------------------------------------------------------------------- image inputs


def test_images_to_tensor_forms():
    rng = np.random.default_rng(1)
    grey = images_to_tensor(rng.random((3, 28, 28)), 28)
    assert grey.shape == (3, 1, 28, 28) and grey.dtype == torch.float32
    rgb = images_to_tensor(rng.integers(0, 255, (2, 40, 40, 3), dtype=np.uint8), 28)
    assert rgb.shape == (2, 3, 28, 28)
    vol = images_to_tensor(rng.random((2, 10, 12, 14)), 16)
    assert vol.shape == (2, 1, 16, 16, 16)
    mixed = images_to_tensor([rng.random((20, 30)), rng.random((28, 28))], 28)
    assert mixed.shape == (2, 1, 28, 28)
    # no resampling when the size already matches
    same = rng.random((2, 28, 28)).astype(np.float32)
    assert torch.equal(images_to_tensor(same, 28)[:, 0], torch.from_numpy(same))


def test_mask_crops_to_bounding_box_with_margin():
    rng = np.random.default_rng(2)
    image = rng.random((64, 48)).astype(np.float32)
    mask = np.zeros(image.shape, dtype=np.uint8)
    mask[0:10, 0:20] = 1                          # a corner: the margin is clipped at 0
    # extent 10 rows -> 1 pixel margin, 20 columns -> 2 pixels (10 %, rounded up)
    manual = image[0:11, 0:22]
    got = images_to_tensor([(image, mask)], 16)
    want = images_to_tensor([manual], 16)
    assert got.shape == (1, 1, 16, 16)
    assert torch.equal(got, want)
    # a mask inside the image gets the margin on both sides; None means the whole image
    mask[:] = 0
    mask[20:30, 10:15] = 1                        # 10 rows -> 1 pixel; 5 columns -> 1 pixel
    assert torch.equal(images_to_tensor([(image, mask)], 16), images_to_tensor([image[19:31, 9:16]], 16))
    assert torch.equal(images_to_tensor([(image, None)], 16), images_to_tensor(image[None], 16))


def test_rgb_mask_crop_and_paths(tmp_path):
    import SimpleITK as sitk

    rng = np.random.default_rng(3)
    image = rng.random((30, 30, 3)).astype(np.float32)
    mask = np.zeros((30, 30), dtype=np.uint8)
    mask[5:15, 5:15] = 1
    path = tmp_path / "mask.nrrd"
    sitk.WriteImage(sitk.GetImageFromArray(mask), str(path))
    got = images_to_tensor([(image, str(path))], 16)
    assert torch.equal(got, images_to_tensor([image[4:16, 4:16]], 16))


def test_input_errors():
    X = np.zeros((2, 16, 16), dtype=np.float32)
    X[1, 3, 4] = np.nan
    with pytest.raises(ValueError, match=r"X\[1\] has NaN"):
        images_to_tensor(X, 16)
    with pytest.raises(ValueError, match="mask is empty"):
        images_to_tensor([(np.ones((16, 16)), np.zeros((16, 16)))], 16)
    with pytest.raises(ValueError, match="mask shape"):
        images_to_tensor([(np.ones((16, 16)), np.ones((8, 8)))], 16)


# ---------------------------------------------------------------------------------------- training


def test_learns_a_separable_problem():
    X, y = bright_dark()
    clf = CNNClassifier(**{**FAST, "epochs": 3}).fit(X, y)
    assert clf.score(X, y) == 1.0
    proba = clf.predict_proba(X)
    assert proba.shape == (64, 2) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert clf.n_epochs_run_ == 3 and len(clf.history_) == 3
    assert [row["epoch"] for row in clf.history_] == [1, 2, 3]
    assert clf.device_.startswith("cpu") and clf.input_shape_ == (1, 16, 16)
    assert clf.mean_.shape == clf.std_.shape == (1,)
    assert clf.n_parameters_ == sum(p.numel() for p in clf.model_.parameters())
    assert not clf.model_.training and next(clf.model_.parameters()).device.type == "cpu"
    # the learning rate drops x0.1 after round(0.5 * 3) = 2 epochs
    assert [row["lr"] for row in clf.history_] == pytest.approx([1e-3, 1e-3, 1e-4])


def test_repeat_fits_are_bit_identical_on_cpu():
    X, y = bright_dark(n=48, shift=0.3)
    params = {**FAST, "augment": True, "device": "cpu"}
    a = CNNClassifier(**params).fit(X, y).predict_proba(X)
    b = CNNClassifier(**params).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b)
    c = CNNClassifier(**params, random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_string_and_column_labels(fitted):
    clf, X, labels = fitted
    assert clf.classes_.tolist() == ["bright", "dark"] and clf.n_classes_ == 2
    pred = clf.predict(X)
    assert pred.dtype.kind == "U" and set(pred) <= {"bright", "dark"}
    assert clf.score(X, labels.ravel()) >= 0.9


def test_best_epoch_keeps_best_validation_auc_weights():
    X, y = bright_dark(n=96, shift=0.25, seed=4)
    train, val = np.r_[0:40, 48:88], np.r_[40:48, 88:96]
    clf = CNNClassifier(**{**FAST, "epochs": 4, "lr": 3e-3}).fit(X[train], y[train], X[val], y[val])
    aucs = [row["val_auc"] for row in clf.history_]
    assert len(aucs) == 4 and all(math.isfinite(a) for a in aucs)
    best = clf.history_[clf.best_epoch_ - 1]
    assert best["epoch"] == clf.best_epoch_ and best["val_auc"] == max(aucs)
    if aucs.count(max(aucs)) == 1:  # ties go to accuracy, then loss
        assert clf.best_epoch_ - 1 == int(np.argmax(aucs))
    # the kept weights are that epoch's: its validation AUC is reproduced
    assert roc_auc_score(y[val], clf.predict_proba(X[val])[:, 1]) == pytest.approx(best["val_auc"], abs=1e-9)


def test_one_class_validation_falls_back_and_patience_stops():
    X, y = bright_dark(n=64, shift=0.5, seed=5)
    clf = CNNClassifier(**{**FAST, "epochs": 4, "patience": 1}).fit(X[8:56], y[8:56], X[:8], y[:8])
    assert all(math.isnan(row["val_auc"]) for row in clf.history_)
    assert 1 <= clf.best_epoch_ <= clf.n_epochs_run_ <= 4
    if clf.n_epochs_run_ < 4:  # stopped early: exactly `patience` epochs after the best one
        assert clf.n_epochs_run_ - clf.best_epoch_ == 1


def test_3d_volumes_with_augmentation():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(16, 8, 8, 8)).astype(np.float32)
    y = np.repeat(["a", "b"], 8)
    X[y == "b"] += 2
    clf = CNNClassifier("simple", epochs=1, batch_size=8, image_size=8, augment=True, val_fraction=0).fit(X, y)
    assert clf.input_shape_ == (1, 8, 8, 8) and clf.best_epoch_ == 1
    assert math.isnan(clf.history_[0]["val_auc"])
    assert clf.predict_proba(X).shape == (16, 2)


def test_rgb_multiclass_validation_auc_is_macro_one_vs_rest():
    from radfeat.models.classifier import _auc

    rng = np.random.default_rng(7)
    y = np.repeat([0, 1, 2], 12)
    X = rng.normal(size=(36, 16, 16, 3)).astype(np.float32) + y[:, None, None, None]
    clf = CNNClassifier("simple", epochs=1, batch_size=12, image_size=16, val_fraction=0.25).fit(X, y)
    assert clf.input_shape_ == (3, 16, 16) and clf.mean_.shape == (3,)
    assert clf.predict_proba(X).shape == (36, 3) and math.isfinite(clf.history_[0]["val_auc"])
    proba = rng.dirichlet(np.ones(3), size=36)
    assert _auc(y, proba) == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", average="macro"))
    assert _auc(y[:24], proba[:24]) == pytest.approx(np.mean([roc_auc_score(y[:24] == c, proba[:24, c])
                                                              for c in (0, 1)]))  # class 2 absent


def test_clone_keeps_parameters():
    clf = CNNClassifier("simple", epochs=3, milestones=(0.5,), device="cpu")
    params = clone(clf).get_params()
    assert params["milestones"] == (0.5,) and params["epochs"] == 3 and params["device"] == "cpu"


# ----------------------------------------------------------------------------------- persistence


def test_pickle_round_trip(fitted):
    clf, X, _ = fitted
    restored = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.classes_.tolist() == clf.classes_.tolist()
    assert restored.history_ == clf.history_


def test_save_load_round_trip(fitted, tmp_path):
    clf, X, _ = fitted
    path = tmp_path / "cnn.pt"
    clf.save(path)
    payload = torch.load(path, weights_only=True)          # plain types only
    assert payload["arch_args"]["arch"] == "simple"
    restored = CNNClassifier.load(path)
    assert np.array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.classes_.tolist() == ["bright", "dark"]
    assert restored.get_params() == clf.get_params()
    assert restored.best_epoch_ == clf.best_epoch_ and restored.n_parameters_ == clf.n_parameters_
    with pytest.raises(ValueError, match="not a CNNClassifier"):
        torch.save({"x": 1}, tmp_path / "other.pt")
        CNNClassifier.load(tmp_path / "other.pt")


# ----------------------------------------------------------------------------------------- errors


def test_clear_errors(fitted):
    clf, X, labels = fitted
    volumes = np.zeros((4, 8, 8, 8), dtype=np.float32)
    with pytest.raises(ValueError, match="2D only"):
        CNNClassifier("resnet18").fit(volumes, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="2D RGB images but this model was fitted on 2D grey"):
        clf.predict(np.zeros((2, 16, 16, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="3D grey images but this model was fitted on 2D grey"):
        clf.predict(volumes)
    bad = X.copy()
    bad[5, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"X\[5\] has NaN"):
        CNNClassifier(**FAST).fit(bad, labels)
    with pytest.raises(ValueError, match=r"X\[5\] has NaN"):
        clf.predict_proba(bad)
    with pytest.raises(ValueError, match="unknown arch 'vgg'"):
        CNNClassifier("vgg").fit(X, labels)
    with pytest.raises(ValueError, match="unknown device"):
        CNNClassifier(**{**FAST, "device": "quantum"}).fit(X, labels)
    with pytest.raises(ValueError, match="at least two classes"):
        CNNClassifier(**FAST).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="labels not seen"):
        CNNClassifier(**FAST).fit(X, labels, X[:2], ["bright", "grey"])
    with pytest.raises(ValueError, match="patience needs validation"):
        CNNClassifier(**{**FAST, "patience": 2, "val_fraction": 0}).fit(X, labels)
    with pytest.raises(ValueError, match="epochs"):
        CNNClassifier(**{**FAST, "epochs": 0}).fit(X, labels)
