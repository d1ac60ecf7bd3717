"""MedMNIST loading from the shared official files; the download path is checked offline."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import DATA_DIR
from radfeat.datasets.medmnist import MEDMNIST_2D, _md5, download_medmnist, load_medmnist
from radfeat.exceptions import ImageReadError

BREAST = DATA_DIR / "medmnist-breastmnist" / "breastmnist.npz"
RETINA = DATA_DIR / "medmnist-retinamnist" / "retinamnist.npz"


@pytest.fixture(autouse=True)
def _need_data():
    if not BREAST.exists():
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
