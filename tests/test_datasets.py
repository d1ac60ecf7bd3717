"""Data sets: MedMNIST files (download checked offline), ImageDataset and its split, the folder and
manifest loaders, the synthetic lesion generator, and load_dataset."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA_DIR

from radfeat.datasets.medmnist import (
    MEDMNIST_2D,
    _md5,
    download_medmnist,
    load_medmnist,
)
from radfeat.exceptions import ImageReadError

BREAST = DATA_DIR / "medmnist-breastmnist" / "breastmnist.npz"
RETINA = DATA_DIR / "medmnist-retinamnist" / "retinamnist.npz"


def offline(test):
    """Mark a test that needs none of the shared data files."""
    test.offline = True
    return test


@pytest.fixture(autouse=True)
def _need_data(request):
    if not BREAST.exists() and not getattr(request.function, "offline", False):
        pytest.skip("shared MedMNIST files missing")


def test_official_files_have_the_official_md5():
    assert _md5(BREAST) == MEDMNIST_2D["breastmnist"][0]
    assert _md5(RETINA) == MEDMNIST_2D["retinamnist"][0]


def test_load_grey_and_rgb():
    breast = load_medmnist(BREAST)
    x, y = breast.split("train")
    assert x.shape == (546, 28, 28) and y.shape == (546,) and not breast.is_rgb and breast.n_classes == 2
    assert [len(breast.split(s)[0]) for s in ("train", "val", "test")] == [546, 78, 156]
    retina = load_medmnist(RETINA)
    assert retina.is_rgb and retina.split("test")[0].shape == (400, 28, 28, 3) and retina.n_classes == 5
    assert retina.task == "ordinal-regression"


def test_load_by_flag_from_root(tmp_path):
    (tmp_path / "breastmnist.npz").write_bytes(BREAST.read_bytes())
    assert load_medmnist("breastmnist", root=tmp_path).split("val")[0].shape == (78, 28, 28)
    with pytest.raises(ImageReadError, match="pass download=True"):
        load_medmnist("pathmnist", root=tmp_path)


def test_download_uses_cached_verified_file_and_rejects_bad_md5(tmp_path):
    (tmp_path / "breastmnist.npz").write_bytes(BREAST.read_bytes())
    # an already-present file with the right MD5 is used without any network access
    assert download_medmnist("breastmnist", tmp_path) == tmp_path / "breastmnist.npz"
    # a file:// URL stands in for the server: wrong content is refused and not kept
    bogus = tmp_path / "bogus.npz"
    np.savez(bogus, a=np.zeros(3))
    with pytest.raises(ImageReadError, match="expected 750601b1"):
        download_medmnist("breastmnist", tmp_path / "new", url=bogus.as_uri())
    assert not (tmp_path / "new" / "breastmnist.npz").exists()
    # the right content passes
    assert download_medmnist("breastmnist", tmp_path / "ok", url=BREAST.as_uri()).exists()


def test_any_medmnist_layout_loads_and_bad_files_are_named(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {f"{s}_{k}": (rng.integers(0, 255, (n, 28, 28), dtype=np.uint8) if k == "images" else
                           rng.integers(0, 3, (n, 1), dtype=np.uint8))
              for s, n in (("train", 10), ("val", 4), ("test", 5)) for k in ("images", "labels")}
    np.savez(tmp_path / "custommnist.npz", **arrays)
    assert load_medmnist(tmp_path / "custommnist.npz").split("test")[0].shape == (5, 28, 28)
    np.savez(tmp_path / "broken.npz", train_images=np.zeros((2, 28, 28)))
    with pytest.raises(ImageReadError, match=r"broken\.npz: not a MedMNIST npz"):
        load_medmnist(tmp_path / "broken.npz")


# ------------------------------------------------------------------ ImageDataset and its loaders

KATHER = DATA_DIR / "kather2016-texture-samples"


def _toy(n=60, stack=True, k=3, seed=0):
    from radfeat.datasets import ImageDataset, stratified_split

    y = np.arange(n) % k
    X = np.arange(n, dtype=np.float32)[:, None, None] * np.ones((1, 4, 4), np.float32)
    return ImageDataset("toy", X if stack else list(X), y, stratified_split(y, seed=seed), ("a", "b", "c")[:k])


def _ids(X):
    return [int(np.asarray(x).flat[0]) for x in X]


@offline
def test_subset_indices_counts_keep_x_type():
    for stack in (True, False):
        ds = _toy(stack=stack)
        X, y = ds.subset("train")
        assert isinstance(X, np.ndarray) == stack and len(X) == len(y) == ds.counts()["train"]
        idx = ds.indices(["train", "val"])
        assert np.all(np.diff(idx) > 0) and len(idx) == ds.counts()["train"] + ds.counts()["val"]
        assert _ids(ds.subset(["train", "val"])[0]) == idx.tolist()
    assert ds.n_classes == 3 and sum(ds.counts().values()) == 60 and ds.ndim == 2 and not ds.rgb
    with pytest.raises(ValueError, match="unknown split 'tset'"):
        ds.indices("tset")


@offline
def test_split_digest_tracks_split_and_labels():
    a, b = _toy(), _toy()
    assert a.split_digest() == b.split_digest() and len(a.split_digest()) == 64
    assert _toy(stack=False).split_digest() == a.split_digest()  # the split, not the container
    assert _toy(seed=1).split_digest() != a.split_digest()
    b.y = b.y.copy()
    b.y[0] = 1 - b.y[0]
    assert b.split_digest() != a.split_digest()


@offline
def test_limit_is_stratified_ordered_and_deterministic():
    ds = _toy(300)
    small = ds.limit(20, seed=0)
    assert small.counts() == {"train": 20, "val": 20, "test": 20}
    for s in ("train", "val", "test"):
        ids = _ids(small.subset(s)[0])
        assert ids == sorted(ids) and set(ids) <= set(ds.indices(s).tolist())
        assert min(np.bincount(small.subset(s)[1], minlength=3)) >= 6
    assert small.split_digest() == ds.limit(20, seed=0).split_digest()
    assert _ids(small.X) != _ids(ds.limit(20, seed=1).X)
    tiny = ds.limit(2)  # fewer than classes: still at most 2 per split
    assert all(v == 2 for v in tiny.counts().values())
    assert ds.limit(1000).split_digest() == ds.split_digest()  # small enough: unchanged
    assert small.info["limited_to"] == 20 and small.class_names == ds.class_names


@offline
def test_stratified_split_proportions_determinism_and_tiny_classes():
    from radfeat.datasets import stratified_split

    y = np.r_[np.zeros(700), np.ones(300)].astype(int)
    s = stratified_split(y, (0.7, 0.1, 0.2), seed=3)
    assert np.array_equal(s, stratified_split(y, (0.7, 0.1, 0.2), seed=3))
    assert not np.array_equal(s, stratified_split(y, (0.7, 0.1, 0.2), seed=4))
    for c, n in ((0, 700), (1, 300)):
        part = s[y == c]
        assert [int((part == p).sum()) for p in ("train", "val", "test")] == [round(0.7 * n), round(0.1 * n),
                                                                               round(0.2 * n)]
    three = stratified_split(["x"] * 3 + ["y"] * 4, (0.7, 0.1, 0.2))
    assert sorted(three[:3]) == ["test", "train", "val"] and set(three[3:]) == {"train", "val", "test"}
    assert set(stratified_split([0, 0, 1, 1], (0.5, 0.0, 0.5))) == {"train", "test"}
    with pytest.raises(ValueError, match="at least 3 samples.*'rare' \\(2\\)"):
        stratified_split(["rare", "rare"] + ["common"] * 10)
    with pytest.raises(ValueError, match="summing to 1"):
        stratified_split([0, 1] * 5, (0.5, 0.2, 0.2))


@offline
def test_encode_labels():
    from radfeat.datasets import encode_labels

    codes, names = encode_labels([10, 2, 2, 10, 3])
    assert codes.tolist() == [2, 0, 0, 2, 1] and names == ("2", "3", "10")  # numeric order
    codes, names = encode_labels(["dog", "cat", "dog"])
    assert codes.tolist() == [1, 0, 1] and names == ("cat", "dog")
    assert encode_labels(["1", "0", "1"])[1] == ("0", "1")


def test_from_medmnist_official_split():
    from radfeat.datasets import from_medmnist, load_dataset

    ds = from_medmnist(load_medmnist(BREAST))
    assert ds.counts() == {"train": 546, "val": 78, "test": 156} and ds.official_split
    assert isinstance(ds.X, np.ndarray) and ds.X.shape == (780, 28, 28) and ds.X.dtype == np.uint8
    assert ds.class_names == ("0", "1") and ds.ndim == 2 and not ds.rgb and ds.y.dtype == np.int64
    X, y = ds.subset("test")
    with np.load(BREAST) as z:
        assert np.array_equal(X, z["test_images"]) and np.array_equal(y, z["test_labels"].ravel())
    via_config = load_dataset({"medmnist": str(BREAST)})
    assert via_config.split_digest() == ds.split_digest()
    assert via_config.info["md5"] == MEDMNIST_2D["breastmnist"][0] and via_config.info["flag"] == "breastmnist"
    retina = from_medmnist(load_medmnist(RETINA))
    assert retina.rgb and retina.ndim == 2 and retina.n_classes == 5 and retina.X.shape == (1600, 28, 28, 3)
    assert retina.counts() == {"train": 1080, "val": 120, "test": 400}


def test_from_medmnist_multilabel_needs_label_index(tmp_path):
    from radfeat.datasets import from_medmnist

    rng = np.random.default_rng(0)
    arrays = {}
    for s, n in (("train", 12), ("val", 4), ("test", 6)):
        arrays[f"{s}_images"] = rng.integers(0, 255, (n, 28, 28), dtype=np.uint8)
        arrays[f"{s}_labels"] = rng.integers(0, 2, (n, 3), dtype=np.uint8)
    np.savez(tmp_path / "chestlike.npz", **arrays)
    ms = load_medmnist(tmp_path / "chestlike.npz")
    with pytest.raises(ValueError, match="multi-label.*label_index=0..2"):
        from_medmnist(ms)
    ds = from_medmnist(ms, label_index=1)
    assert ds.y.tolist() == np.concatenate([arrays[f"{s}_labels"][:, 1] for s in ("train", "val", "test")]).tolist()
    assert ds.class_names == ("0", "1") and ds.counts() == {"train": 12, "val": 4, "test": 6}
    with pytest.raises(ValueError, match="out of range"):
        from_medmnist(ms, label_index=3)


def test_kather_folder_via_csv_and_imagefolder_layout(tmp_path):
    import shutil

    from radfeat.datasets import load_image_folder

    if not KATHER.is_dir():
        pytest.skip("Kather tiles missing")
    by_csv = load_image_folder(KATHER)
    for d in KATHER.iterdir():
        if d.is_dir():
            shutil.copytree(d, tmp_path / d.name)
    by_dirs = load_image_folder(tmp_path)
    assert by_csv.info["layout"] == "csv" and by_dirs.info["layout"] == "imagefolder"
    for ds in (by_csv, by_dirs):
        assert len(ds.y) == 24 and ds.n_classes == 8 and ds.rgb and ds.ndim == 2 and not ds.official_split
        assert all(isinstance(x, str) and x.endswith(".tif") for x in ds.X)
        assert ds.counts() == {"train": 8, "val": 8, "test": 8}  # 3 per class: one in each part
        assert ds.class_names[0] == "01_TUMOR"
    assert by_csv.class_names == by_dirs.class_names
    assert [ds.class_names[c] for c in by_csv.y] == [p.split("/")[-2] for p in by_csv.X]
    assert sorted(p.split("/")[-1] for p in by_csv.X) == sorted(p.split("/")[-1] for p in by_dirs.X)


def _pngs(folder, n, rng):
    iio = pytest.importorskip("imageio.v3")
    for i in range(n):
        iio.imwrite(folder / f"im{i}.png", rng.integers(0, 255, (12, 12), dtype=np.uint8))


@offline
def test_folder_with_split_column_and_errors(tmp_path):
    from radfeat.datasets import load_dataset, load_image_folder
    from radfeat.exceptions import ConfigError

    rng = np.random.default_rng(0)
    _pngs(tmp_path, 12, rng)
    parts = ["train"] * 6 + ["validation"] * 2 + ["test"] * 4
    lines = ["image,diagnosis,split"] + [f"im{i}.png,{'cyst' if i % 2 else 'solid'},{parts[i]}" for i in range(12)]
    (tmp_path / "labels.csv").write_text("\n".join(lines) + "\n")
    ds = load_image_folder(tmp_path, label_column="diagnosis")
    assert ds.official_split and ds.counts() == {"train": 6, "val": 2, "test": 4}
    assert ds.class_names == ("cyst", "solid") and ds.y.tolist() == [1, 0] * 6
    assert not ds.rgb and ds.ndim == 2 and ds.X[0] == str(tmp_path / "im0.png")
    same = load_dataset({"folder": ".", "label_column": "diagnosis"}, base=tmp_path)
    assert same.split_digest() == ds.split_digest()
    with pytest.raises(ConfigError, match="no label column 'label'.*columns found"):
        load_image_folder(tmp_path)
    (tmp_path / "other.csv").write_text("file,label\nim0.png,0\nnope1.png,1\nnope2.png,1\n")
    with pytest.raises(ImageReadError, match="2 file\\(s\\) not found: .*nope1.png, .*nope2.png"):
        load_image_folder(tmp_path, tmp_path / "other.csv")


@offline
def test_manifest_dataset_from_nrrd(tmp_path):
    sitk = pytest.importorskip("SimpleITK")
    from radfeat.datasets import load_dataset, load_manifest_dataset
    from radfeat.exceptions import ConfigError

    rng = np.random.default_rng(0)
    rows = ["Image,Mask,outcome,site"]
    for i in range(9):
        sitk.WriteImage(sitk.GetImageFromArray(rng.integers(0, 100, (4, 8, 8)).astype(np.int16)), str(tmp_path / f"c{i}.nrrd"))
        sitk.WriteImage(sitk.GetImageFromArray(np.ones((4, 8, 8), np.uint8)), str(tmp_path / f"m{i}.nrrd"))
        rows.append(f"c{i}.nrrd,m{i}.nrrd,{i % 3},A")
    (tmp_path / "cases.csv").write_text("\n".join(rows) + "\n")
    ds = load_manifest_dataset(tmp_path / "cases.csv", label_column="outcome")
    assert ds.X[0] == (str(tmp_path / "c0.nrrd"), str(tmp_path / "m0.nrrd"))
    assert ds.ndim == 3 and not ds.rgb and ds.class_names == ("0", "1", "2") and ds.counts() == {
        "train": 3, "val": 3, "test": 3}
    assert ds.info["sha256"] and not ds.official_split
    again = load_dataset({"manifest": "cases.csv", "label_column": "outcome", "split": {"seed": 0}}, tmp_path)
    assert again.split_digest() == ds.split_digest()
    with pytest.raises(ConfigError, match=r"cases\.csv: no label column 'outcom' \(did you mean 'outcome'\?\).*"
                                          r"columns found: \['Image', 'Mask', 'outcome', 'site'\]"):
        load_manifest_dataset(tmp_path / "cases.csv", label_column="outcom")


# -------------------------------------------------------------------------------- synthetic lesions


def _auc(score, y):
    order = np.argsort(np.argsort(score, kind="stable"), kind="stable") + 1.0  # ranks (scores are continuous)
    n1 = int(y.sum())
    n0 = len(y) - n1
    return (order[y == 1].sum() - n1 * (n1 + 1) / 2) / (n0 * n1)


def _interior_std_and_compactness(X):
    std, compact = [], []
    for image, mask in X:
        m = mask.astype(bool)
        eroded = m & np.roll(m, 1, 0) & np.roll(m, -1, 0) & np.roll(m, 1, 1) & np.roll(m, -1, 1)
        std.append(image[m].astype(float).std())
        compact.append((m & ~eroded).sum() ** 2 / m.sum())
    return np.array(std), np.array(compact)


@pytest.fixture(scope="module")
def lesions():
    from radfeat.datasets import make_lesion_dataset

    return make_lesion_dataset(400, seed=0)


@offline
def test_lesions_shapes_dtypes_balance_and_masks(lesions):
    from radfeat.datasets import make_lesion_dataset

    ds = lesions
    assert ds.class_names == ("benign", "malignant") and np.bincount(ds.y).tolist() == [200, 200]
    assert ds.counts() == {"train": 240, "val": 80, "test": 80} and ds.ndim == 2 and not ds.rgb
    for s in ("train", "val", "test"):
        assert abs(np.bincount(ds.subset(s)[1]).tolist()[0] - ds.counts()[s] / 2) <= 1
    for image, mask in ds.X:
        assert image.shape == mask.shape == (32, 32) and image.dtype == np.uint8 and mask.dtype == np.uint8
        assert mask.sum() >= 10 and set(np.unique(mask).tolist()) == {0, 1}
        assert not (mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any())  # inside the image
    d3 = make_lesion_dataset(12, ndim=3, size=16, seed=1)
    assert d3.X[0][0].shape == d3.X[0][1].shape == (8, 16, 16) and d3.ndim == 3 and all(m.sum() > 0 for _, m in d3.X)
    rgb = make_lesion_dataset(12, rgb=True, masks=False, seed=2)
    assert isinstance(rgb.X, np.ndarray) and rgb.X.shape == (12, 32, 32, 3) and rgb.X.dtype == np.uint8
    assert rgb.rgb and rgb.ndim == 2
    # H&E-like: the lesion (more haematoxylin) is darker than the pink background, in every channel
    rgb_m = make_lesion_dataset(12, rgb=True, seed=2)
    im, m = rgb_m.X[0]
    assert np.all(im[m == 1].mean(0) < im[m == 0].mean(0)) and im[m == 0].mean(0)[1] < im[m == 0].mean(0)[0]
    assert np.array_equal(rgb.X[0], im)  # masks=False is the same images as a stack
    grey = make_lesion_dataset(10, masks=False, seed=3)
    assert grey.X.shape == (10, 32, 32) and grey.X.dtype == np.uint8 and not grey.rgb


@offline
def test_lesions_are_deterministic(lesions):
    from radfeat.datasets import make_lesion_dataset

    again = make_lesion_dataset(400, seed=0)
    assert again.split_digest() == lesions.split_digest()
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(again.X, lesions.X))
    other = make_lesion_dataset(400, seed=1)
    assert other.split_digest() != lesions.split_digest() and not np.array_equal(other.X[0][0], lesions.X[0][0])


@offline
def test_lesion_classes_differ_as_intended_but_overlap(lesions):
    from radfeat.datasets import make_lesion_dataset

    y = lesions.y
    std, compact = _interior_std_and_compactness(lesions.X)
    # malignant: more heterogeneous inside and more irregular borders ...
    assert std[y == 1].mean() > std[y == 0].mean() and compact[y == 1].mean() > compact[y == 0].mean()
    # ... but no single simple statistic separates the classes
    for score in (std, compact):
        assert 0.65 < _auc(score, y) < 0.95
    area = np.array([m.sum() for _, m in lesions.X], dtype=float)
    assert 0.4 < _auc(area, y) < 0.6  # size is a nuisance, not a cue
    hard = make_lesion_dataset(400, seed=0, difficulty=3.0)
    assert _auc(_interior_std_and_compactness(hard.X)[0], hard.y) < _auc(std, y)


# --------------------------------------------------------------------------------------- load_dataset


@offline
def test_load_dataset_dispatch_and_errors(tmp_path):
    from radfeat.datasets import load_dataset
    from radfeat.exceptions import ConfigError

    ds = load_dataset({"synthetic": {"n": 40, "size": 16, "masks": False, "seed": 4}, "name": "tiny"})
    assert ds.name == "tiny" and ds.X.shape == (40, 16, 16) and ds.info["kind"] == "synthetic"
    assert load_dataset({"synthetic": True}).counts() == {"train": 240, "val": 80, "test": 80}
    resplit = load_dataset({"synthetic": {"n": 40, "size": 16, "seed": 4}, "split": {"fractions": [0.5, 0.25, 0.25],
                                                                                     "seed": 9}})
    assert resplit.counts() == {"train": 20, "val": 10, "test": 10} and resplit.split_digest() != ds.split_digest()
    with pytest.raises(ConfigError, match=r"unknown key 'lable_column' \(did you mean 'label_column'\?\)"):
        load_dataset({"folder": "x", "lable_column": "y"})
    with pytest.raises(ConfigError, match=r"unknown key 'sise' \(did you mean 'size'\?\)"):
        load_dataset({"synthetic": {"sise": 16}})
    with pytest.raises(ConfigError, match=r"unknown key 'medmnsit' \(did you mean 'medmnist'\?\)"):
        load_dataset({"medmnsit": "breastmnist"})
    with pytest.raises(ConfigError, match="exactly one of"):
        load_dataset({"folder": "x", "manifest": "y.csv"})
    with pytest.raises(ConfigError, match="official"):
        load_dataset({"medmnist": "breastmnist", "split": {"seed": 1}})
    with pytest.raises(ConfigError, match="summing to 1"):
        load_dataset({"synthetic": True, "split": {"fractions": [0.5, 0.5, 0.5]}})
    if BREAST.exists():
        (tmp_path / "breastmnist.npz").write_bytes(BREAST.read_bytes())
        by_flag = load_dataset({"medmnist": "breastmnist", "root": "."}, base=tmp_path)
        assert by_flag.counts()["val"] == 78 and by_flag.info["md5"] == MEDMNIST_2D["breastmnist"][0]


@offline
def test_import_stays_light():
    import subprocess
    import sys

    code = ("import sys, radfeat.datasets as d; d.ImageDataset; d.load_dataset; "
            "print(any(m in sys.modules for m in ('sklearn', 'SimpleITK', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@offline
def test_load_training_data_on_a_folder(tmp_path):
    pytest.importorskip("sklearn")
    from radfeat.training import load_training_data

    _pngs(tmp_path, 20, np.random.default_rng(1))
    (tmp_path / "labels.csv").write_text("image,label\n" + "".join(f"im{i}.png,{i % 2}\n" for i in range(20)))
    X_tr, y_tr, X_te, y_te, desc = load_training_data({"folder": "."}, tmp_path)
    assert len(X_tr) == 16 and len(X_te) == 4 and sorted(y_te.tolist()) == [0, 0, 1, 1]
    assert y_tr.dtype.kind == "i" and desc == f"image folder {tmp_path / '.'}" and isinstance(X_tr[0], str)
