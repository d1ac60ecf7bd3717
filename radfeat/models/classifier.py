"""A PyTorch CNN as a scikit-learn classifier, for benchmarking CNNs against radiomics pipelines.

:class:`CNNClassifier` takes images in the same forms as :class:`radfeat.sklearn.RadiomicsFeatures`
(a stack array, or a list of arrays, SimpleITK images, paths or ``(image, mask)`` pairs), so one
harness can hand the same ``X`` to both. Training follows the MedMNIST v2 protocol by default:
Adam (lr 1e-3), batch 128, 100 epochs, learning rate x0.1 at half and three quarters of the
epochs, cross-entropy, and the epoch with the best validation AUC kept.

:func:`images_to_tensor` is the image preparation on its own (mask crop, resize, channels first).
"""

from __future__ import annotations

import math
import numbers
import sys
import time
from contextlib import contextmanager

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

try:
    import torch
except ImportError as exc:
    from . import TORCH_MISSING

    raise ImportError(TORCH_MISSING) from exc

from .. import __version__
from ..sklearn import _parse
from .cnn import ARCHS, build_model
from .device import describe_device, pick_device
from .inputs import CROP_MARGIN, _inputs_to_tensor, _kind, images_to_tensor

F = torch.nn.functional

__all__ = ["CROP_MARGIN", "MAX_ROTATION", "CNNClassifier", "images_to_tensor"]

#: Largest rotation of the training-time augmentation, in degrees.
MAX_ROTATION = 10.0

#: A GPU run keeps a training set up to this size on the device (no per-batch host transfer).
_ON_DEVICE_BYTES = 2 << 30

#: Marks a :meth:`CNNClassifier.save` file.
_FORMAT = "radfeat.CNNClassifier"
_FORMAT_VERSION = 1


# --------------------------------------------------------------------------------- small helpers


@contextmanager
def _torch_threads(n):
    if n is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextmanager
def _reproducible(device, seed):
    """Seeded torch RNGs (restored afterwards: the caller's random streams are not consumed) and,
    on the CPU, deterministic kernels; on CUDA cuDNN autotuning instead, which is faster and gives up
    bit-exact repeats there anyway."""
    devices = [device.index] if device.type == "cuda" else []
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    benchmark = torch.backends.cudnn.benchmark
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        if device.type == "cpu":
            torch.use_deterministic_algorithms(True, warn_only=True)
        elif device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
            torch.backends.cudnn.benchmark = benchmark


def _augment(x, generator):
    """Random flips of every spatial axis and an in-plane rotation of up to MAX_ROTATION degrees.

    One ``affine_grid``/``grid_sample`` per batch; the random numbers come from the CPU
    ``generator`` so a run draws the same augmentations on any device.
    """
    n, nd = x.shape[0], x.dim() - 2
    flips = 1.0 - 2.0 * torch.randint(0, 2, (n, nd), generator=generator).float()
    angle = (2.0 * torch.rand(n, generator=generator) - 1.0) * math.radians(MAX_ROTATION)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.zeros(n, nd, nd + 1)
    # grid coordinates are (x, y[, z]) = (W, H[, D]): rotating x-y turns each slice in-plane
    theta[:, 0, 0], theta[:, 0, 1], theta[:, 1, 0], theta[:, 1, 1] = cos, -sin, sin, cos
    if nd == 3:
        theta[:, 2, 2] = 1.0
    theta[:, :, :nd] *= flips[:, None, :]
    grid = F.affine_grid(theta.to(x.device, x.dtype), list(x.shape), align_corners=False)
    # border padding: the corners a rotation uncovers repeat the edge instead of inventing an intensity
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _logits(model, x, device, batch_size, amp):
    """Logits of ``x`` (CPU tensor) in eval mode, batched, returned as a float64 CPU tensor."""
    model.eval()
    parts = []
    with torch.inference_mode(), torch.autocast(device.type, dtype=torch.float16, enabled=amp):
        for start in range(0, len(x), batch_size):
            xb = x[start:start + batch_size].to(device, non_blocking=True)
            parts.append(model(xb).double().cpu())
    return torch.cat(parts)


def _auc(y, proba):
    """Validation AUC: binary on the positive class, else macro one-vs-rest over the classes that
    are present with at least one other (NaN when none is, e.g. a one-class validation set)."""
    from sklearn.metrics import roc_auc_score

    if not np.isfinite(proba).all():
        return math.nan
    k = proba.shape[1]
    columns = [1] if k == 2 else range(k)
    scores = [roc_auc_score(y == c, proba[:, c]) for c in columns if 0 < np.count_nonzero(y == c) < len(y)]
    return float(np.mean(scores)) if scores else math.nan


def _selection_key(row):
    # validation AUC first; accuracy, then the lower loss, break ties and stand in when AUC is undefined
    auc, loss = row["val_auc"], row["val_loss"]
    return (auc if math.isfinite(auc) else -math.inf, row["val_acc"], -loss if math.isfinite(loss) else -math.inf)


def _plain(value):
    """``value`` with numpy scalars and tuples made plain Python, as ``torch.load(weights_only=True)`` needs."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _labels(y, n, where="y"):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{where} must have shape (n_samples,) or (n_samples, 1), got {y.shape}; "
                         "multi-label targets are not supported")
    if len(y) != n:
        raise ValueError(f"{where} has {len(y)} labels for {n} images")
    check_classification_targets(y)
    return y


def _encode(classes, y, where):
    index = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unknown = classes[index] != y
    if unknown.any():
        raise ValueError(f"{where} has labels not seen in y: {np.unique(y[unknown]).tolist()}")
    return index


def _check_int(name, value, low, optional=False):
    if optional and value is None:
        return
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}{' or None' if optional else ''}, got {value!r}")


def _check_real(name, value, low, high=math.inf, low_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and (
        (low < value if low_open else low <= value) and value <= high)
    if not ok:
        bounds = f"{'(' if low_open else '['}{low}, {high}]"
        raise ValueError(f"{name} must be a number in {bounds}, got {value!r}")


# ------------------------------------------------------------------------------------- estimator


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """A CNN trained from scratch on images, as a scikit-learn classifier.

    Parameters
    ----------
    arch : {"resnet18", "simple"}, default "resnet18"
        :class:`~radfeat.models.cnn.ResNet18` (MedMNIST stem, 2D only) or
        :class:`~radfeat.models.cnn.SimpleCNN` (2D or 3D).
    epochs : int, default 100
    batch_size : int, default 128
        Also the prediction batch size.
    lr : float, default 1e-3
        Adam's learning rate.
    milestones : sequence of float, default (0.5, 0.75)
        Fractions of ``epochs`` after which the learning rate is multiplied by 0.1 (MultiStepLR).
    weight_decay : float, default 0.0
        Adam's (L2) weight decay.
    augment : bool, default False
        Random horizontal and vertical flips (every axis in 3D) and in-plane rotations of up to
        +-10 degrees, drawn per training sample and applied on the device.
    patience : int, optional
        Stop when the validation score has not improved for this many epochs (needs validation
        data). None: run all ``epochs``.
    image_size : int, default 28
        Side, in pixels per spatial axis, every image is resized to.
    device : str, default "auto"
        ``"auto"`` (CUDA, then MPS, then CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.
    amp : bool, default True
        float16 mixed precision with gradient scaling, on CUDA only.
    num_threads : int, optional
        torch CPU threads while fitting and predicting (the previous setting is restored).
    val_fraction : float, default 0.1
        Without ``X_val``, the stratified fraction of ``X`` held out to pick the best epoch
        (0: no validation, the last epoch is kept).
    random_state : int, default 0
        Seeds the split, the initial weights, the batch order, dropout and the augmentations.
    verbose : int, default 0
        1: one line per epoch on stderr; 2: also a per-batch progress bar when tqdm is installed
        and stderr is a terminal.

    Attributes
    ----------
    classes_ : ndarray
        The sorted labels; probability columns follow this order.
    n_classes_ : int
    model_ : torch.nn.Module
        The network with the best epoch's weights, on the CPU, in eval mode.
    device_ : str
        Where it was trained, e.g. ``"cuda:0 (NVIDIA H100 80GB HBM3)"`` or ``"cpu (2 threads)"``.
        Predictions run there too (on the CPU when that device is missing, e.g. after unpickling
        on another machine).
    history_ : list of dict
        Per epoch: ``epoch`` (from 1), ``train_loss``, ``val_loss``, ``val_auc``, ``val_acc``,
        ``lr`` (used in that epoch) and ``seconds``. Validation values are NaN without validation.
    best_epoch_ : int
        The kept epoch (from 1): ``history_[best_epoch_ - 1]`` is its row. The best validation
        AUC; ties, and a validation set where AUC is undefined, are decided by accuracy, then
        lower loss, then the earlier epoch.
    n_epochs_run_ : int
        Epochs trained (fewer than ``epochs`` after early stopping).
    mean_, std_ : ndarray of shape (C,)
        Per-channel intensity normalisation, from the training images (after resizing).
    input_shape_ : tuple
        ``(C, *spatial)`` of the network input, e.g. ``(1, 28, 28)``.
    n_parameters_ : int
        Number of trainable values in the network.

    Notes
    -----
    On the CPU two fits with the same ``random_state`` and thread count give bit-identical
    predictions (deterministic kernels are switched on while fitting). On CUDA they are close
    but not identical (cuDNN autotuning and atomics).

    Examples
    --------
    >>> clf = CNNClassifier("resnet18", epochs=100).fit(X_train, y_train, X_val, y_val)  # doctest: +SKIP
    >>> clf.predict_proba(X_test)                                                         # doctest: +SKIP
    """

    def __init__(self, arch="resnet18", *, epochs=100, batch_size=128, lr=1e-3, milestones=(0.5, 0.75),
                 weight_decay=0.0, augment=False, patience=None, image_size=28, device="auto", amp=True,
                 num_threads=None, val_fraction=0.1, random_state=0, verbose=0):
        self.arch = arch
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.milestones = milestones
        self.weight_decay = weight_decay
        self.augment = augment
        self.patience = patience
        self.image_size = image_size
        self.device = device
        self.amp = amp
        self.num_threads = num_threads
        self.val_fraction = val_fraction
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # images, not a feature matrix
        tags.input_tags.three_d_array = True
        return tags

    # ----------------------------------------------------------------------------------- checks

    def _check_params(self):
        if self.arch not in ARCHS:
            raise ValueError(f"unknown arch {self.arch!r}; choose one of {', '.join(repr(a) for a in ARCHS)}")
        _check_int("epochs", self.epochs, 1)
        _check_int("batch_size", self.batch_size, 1)
        _check_real("lr", self.lr, 0, low_open=True)
        for m in self.milestones or ():
            _check_real("every milestone (a fraction of epochs)", m, 0, 1, low_open=True)
        _check_real("weight_decay", self.weight_decay, 0)
        _check_int("patience", self.patience, 1, optional=True)
        _check_int("image_size", self.image_size, 8)
        _check_int("num_threads", self.num_threads, 1, optional=True)
        _check_real("val_fraction", self.val_fraction, 0, 1)
        if self.val_fraction >= 1:
            raise ValueError(f"val_fraction must be below 1, got {self.val_fraction!r}")
        _check_int("random_state", self.random_state, 0)
        _check_int("verbose", self.verbose, 0)

    def _fitted_kind(self):
        return len(self.input_shape_) - 1, self.input_shape_[0] == 3

    def _check_kind(self, inputs, where):
        ndim, rgb = self._fitted_kind()
        if (inputs.ndim, inputs.rgb) != (ndim, rgb):
            raise ValueError(f"{where} holds {_kind(inputs.ndim, inputs.rgb)} images but this model was fitted on "
                             f"{_kind(ndim, rgb)} images")

    def _normalise(self, x):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        mean = torch.as_tensor(self.mean_, dtype=torch.float32).reshape(shape)
        std = torch.as_tensor(self.std_, dtype=torch.float32).reshape(shape)
        return (x - mean) / std

    # ------------------------------------------------------------------------------------ fit

    def fit(self, X, y, X_val=None, y_val=None):
        """Train the network; with validation data, keep the epoch of best validation AUC.

        Parameters
        ----------
        X : array or list
            Training images, in any form :func:`images_to_tensor` accepts.
        y : array-like of shape (n_samples,) or (n_samples, 1)
            Labels of any sortable type.
        X_val, y_val : optional
            Validation images and labels (e.g. a dataset's official split). Without them a
            stratified ``val_fraction`` of ``X`` is held out (seeded by ``random_state``).

        Returns
        -------
        self
        """
        from sklearn.model_selection import train_test_split

        self._check_params()
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        inputs = _parse(X)
        if self.arch == "resnet18" and inputs.ndim != 2:
            raise ValueError(f"arch='resnet18' is 2D only but X holds {_kind(inputs.ndim, inputs.rgb)} images; "
                             "use arch='simple' for 3D volumes")
        y = _labels(y, len(inputs))
        classes, y_enc = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"need at least two classes, got {classes.tolist()}")
        device = pick_device(self.device)
        seed = int(self.random_state)

        with _torch_threads(self.num_threads):
            images = _inputs_to_tensor(inputs, self.image_size)
            index = np.arange(len(y_enc))
            if X_val is not None:
                val_inputs = _parse(X_val)
                if (val_inputs.ndim, val_inputs.rgb) != (inputs.ndim, inputs.rgb):
                    raise ValueError(f"X_val holds {_kind(val_inputs.ndim, val_inputs.rgb)} images but X holds "
                                     f"{_kind(inputs.ndim, inputs.rgb)} images")
                y_val_enc = _encode(classes, _labels(y_val, len(val_inputs), "y_val"), "y_val")
                x_train, y_train = images, y_enc
                x_val = _inputs_to_tensor(val_inputs, self.image_size, "X_val")
            elif self.val_fraction > 0:
                try:
                    train, val = train_test_split(index, test_size=self.val_fraction, stratify=y_enc,
                                                  random_state=seed)
                except ValueError:  # a class too small to stratify: a plain random split still picks an epoch
                    train, val = train_test_split(index, test_size=self.val_fraction, random_state=seed)
                x_train, y_train, x_val, y_val_enc = images[train], y_enc[train], images[val], y_enc[val]
            else:
                x_train, y_train, x_val, y_val_enc = images, y_enc, None, None
            if self.patience is not None and x_val is None:
                raise ValueError("patience needs validation data: pass X_val/y_val or set val_fraction > 0")

            # per channel, over samples and pixels (torch's cascaded float32 sums are accurate here)
            std, mean = torch.std_mean(x_train, dim=(0, *range(2, x_train.dim())), correction=0)
            self.mean_ = mean.numpy()
            self.std_ = np.where(std.numpy() > 1e-12, std.numpy(), 1.0).astype(np.float32)
            self.classes_ = classes
            self.n_classes_ = len(classes)
            self.input_shape_ = tuple(int(s) for s in images.shape[1:])
            x_train = self._normalise(x_train)
            x_val = None if x_val is None else self._normalise(x_val)

            self._arch_args = {"arch": self.arch, "in_channels": self.input_shape_[0], "n_classes": len(classes),
                               "ndim": len(self.input_shape_) - 1, "image_size": int(self.image_size)}
            with _reproducible(device, seed):
                model = build_model(**self._arch_args)
                self.device_ = describe_device(device)
                self._device_name = str(device)
                self._train(model, device, x_train, y_train, x_val, y_val_enc, seed)
        self.n_parameters_ = int(sum(p.numel() for p in self.model_.parameters()))
        return self

    def _train(self, model, device, x_train, y_train, x_val, y_val, seed):
        generator = torch.Generator().manual_seed(seed)
        model.to(device)
        on_device = device.type != "cpu" and x_train.numel() * x_train.element_size() <= _ON_DEVICE_BYTES
        if on_device:
            x_train = x_train.to(device)
        elif device.type == "cuda":
            x_train = x_train.pin_memory()
        y_train = torch.as_tensor(y_train, dtype=torch.long, device=x_train.device)
        amp = bool(self.amp) and device.type == "cuda"
        optimizer = torch.optim.Adam(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        milestones = sorted({max(1, math.floor(f * self.epochs + 0.5)) for f in self.milestones or ()})
        scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.1)
        scaler = torch.amp.GradScaler("cuda", enabled=amp)
        loss_fn = torch.nn.CrossEntropyLoss()
        n, batch_size = len(y_train), int(self.batch_size)

        history, best_key, best_state, best_epoch, stale = [], None, None, 0, 0
        for epoch in range(1, self.epochs + 1):
            start_time = time.perf_counter()
            lr = optimizer.param_groups[0]["lr"]
            model.train()
            order = torch.randperm(n, generator=generator)
            total, seen = torch.zeros((), device=device), 0
            batches = range(0, n, batch_size)
            for start in _progress(batches, self.verbose >= 2, f"epoch {epoch}"):
                idx = order[start:start + batch_size]
                if len(idx) < 2 <= n:  # BatchNorm needs two samples; this one is drawn again next epoch
                    continue
                xb = x_train[idx.to(x_train.device)].to(device, non_blocking=True)
                yb = y_train[idx.to(y_train.device)].to(device, non_blocking=True)
                if self.augment:
                    xb = _augment(xb, generator)
                with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
                    loss = loss_fn(model(xb), yb)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                total += loss.detach().float() * len(idx)
                seen += len(idx)
            scheduler.step()

            row = {"epoch": epoch, "train_loss": float(total) / max(seen, 1), "val_loss": math.nan,
                   "val_auc": math.nan, "val_acc": math.nan, "lr": float(lr)}
            if x_val is not None:
                logits = _logits(model, x_val, device, batch_size, amp)
                log_proba = torch.log_softmax(logits, dim=1)
                proba = log_proba.exp().numpy()
                target = torch.as_tensor(y_val, dtype=torch.long)
                row["val_loss"] = float(torch.nn.functional.nll_loss(log_proba, target))
                row["val_acc"] = float(np.mean(proba.argmax(1) == y_val))
                row["val_auc"] = _auc(y_val, proba)
            row["seconds"] = time.perf_counter() - start_time
            history.append(row)
            if self.verbose:
                print(f"epoch {epoch:>3}/{self.epochs}  loss {row['train_loss']:.4f}  val_auc {row['val_auc']:.4f}  "
                      f"val_acc {row['val_acc']:.4f}  lr {lr:.1e}  {row['seconds']:.1f}s", file=sys.stderr, flush=True)

            if x_val is None:
                best_epoch = epoch
                continue
            key = _selection_key(row)
            if best_key is None or key > best_key:
                best_key, best_epoch, stale = key, epoch, 0
                best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            else:
                stale += 1
                if self.patience is not None and stale >= self.patience:
                    break

        if best_state is not None:
            model.load_state_dict(best_state)
        self.model_ = model.to("cpu").eval()
        self.history_ = history
        self.best_epoch_ = best_epoch
        self.n_epochs_run_ = len(history)

    # -------------------------------------------------------------------------------- predict

    def _predict_device(self):
        try:
            return pick_device(self._device_name)
        except ValueError:  # fitted on a GPU this machine lacks (an unpickled model): the CPU still works
            return torch.device("cpu")

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array or list
            Images of the same dimensionality and colour as the training images, in any form
            :func:`images_to_tensor` accepts.

        Returns
        -------
        ndarray of shape (n_samples, n_classes_), float64
            Columns in ``classes_`` order; rows sum to 1.
        """
        check_is_fitted(self, "model_")
        inputs = _parse(X)
        self._check_kind(inputs, "X")
        device = self._predict_device()
        with _torch_threads(self.num_threads):
            x = self._normalise(_inputs_to_tensor(inputs, self.input_shape_[-1]))
            try:
                logits = _logits(self.model_.to(device), x, device, int(self.batch_size),
                                 bool(self.amp) and device.type == "cuda")
            finally:
                self.model_.to("cpu")
        proba = torch.softmax(logits, dim=1).numpy()
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The most probable class of each image, from ``classes_``."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # ------------------------------------------------------------------------------ persistence

    def __getstate__(self):
        # the weights, not the module: smaller, and independent of the module's pickled internals
        state = dict(super().__getstate__())
        model = state.pop("model_", None)
        if model is not None:
            state["_model_state"] = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        return state

    def __setstate__(self, state):
        state = dict(state)
        model_state = state.pop("_model_state", None)
        super().__setstate__(state)
        if model_state is not None:
            self.model_ = self._rebuild(model_state)

    def _rebuild(self, model_state):
        model = build_model(**self._arch_args)
        model.load_state_dict(model_state)
        return model.eval()

    def save(self, path):
        """Write the fitted model to ``path`` (``torch.save``; loadable with ``weights_only=True``).

        The file holds the weights, the architecture arguments, the parameters, the classes, the
        normalisation and the training history; its size is the model's size on disk.
        """
        check_is_fitted(self, "model_")
        payload = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "radfeat_version": __version__,
            "params": _plain(self.get_params()),
            "arch_args": _plain(self._arch_args),
            "state_dict": {k: v.detach().cpu() for k, v in self.model_.state_dict().items()},
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str,
            "mean": self.mean_.tolist(),
            "std": self.std_.tolist(),
            "input_shape": list(self.input_shape_),
            "device": self.device_,
            "device_name": self._device_name,
            "history": _plain(self.history_),
            "best_epoch": int(self.best_epoch_),
            "n_epochs_run": int(self.n_epochs_run_),
        }
        torch.save(payload, path)

    @classmethod
    def load(cls, path):
        """A fitted :class:`CNNClassifier` from a :meth:`save` file (read with ``weights_only=True``)."""
        payload = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
            raise ValueError(f"{path}: not a CNNClassifier file written by CNNClassifier.save")
        if payload["format_version"] > _FORMAT_VERSION:
            raise ValueError(f"{path}: written by a newer radfeat ({payload.get('radfeat_version')})")
        est = cls(**payload["params"])
        est._arch_args = dict(payload["arch_args"])
        est.classes_ = np.asarray(payload["classes"], dtype=np.dtype(payload["classes_dtype"]))
        est.n_classes_ = len(est.classes_)
        est.mean_ = np.asarray(payload["mean"], dtype=np.float32)
        est.std_ = np.asarray(payload["std"], dtype=np.float32)
        est.input_shape_ = tuple(payload["input_shape"])
        est.device_ = payload["device"]
        est._device_name = payload["device_name"]
        est.history_ = payload["history"]
        est.best_epoch_ = payload["best_epoch"]
        est.n_epochs_run_ = payload["n_epochs_run"]
        est.model_ = est._rebuild(payload["state_dict"])
        est.n_parameters_ = int(sum(p.numel() for p in est.model_.parameters()))
        return est


def _progress(iterable, enabled, desc):
    if not (enabled and sys.stderr.isatty()):
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, leave=False, file=sys.stderr)
