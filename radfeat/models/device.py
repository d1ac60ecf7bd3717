"""Choosing the torch device a model trains on, and naming it for reports."""

from __future__ import annotations

try:
    import torch
except ImportError as exc:
    from . import TORCH_MISSING

    raise ImportError(TORCH_MISSING) from exc


__all__ = ["describe_device", "pick_device"]


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def pick_device(preference="auto"):
    """The torch device to use.

    Parameters
    ----------
    preference : str or torch.device, default "auto"
        ``"auto"``: CUDA if available, then Apple MPS, then CPU. Otherwise a device such as
        ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"mps"``, which must be available.

    Returns
    -------
    torch.device
        With an explicit index for CUDA (``cuda:0`` for ``"cuda"``), so it can be reported and
        stored unambiguously.

    Raises
    ------
    ValueError
        Unknown device name, or a device this machine does not have.
    """
    if isinstance(preference, str) and preference.strip().lower() == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(preference.strip().lower() if isinstance(preference, str) else preference)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"unknown device {preference!r}; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'") from exc
    if device.type == "cpu":
        return torch.device("cpu")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {preference!r} requested but CUDA is not available "
                             f"(torch {torch.__version__}, built with CUDA {torch.version.cuda})")
        index = torch.cuda.current_device() if device.index is None else device.index
        count = torch.cuda.device_count()
        if not 0 <= index < count:
            raise ValueError(f"device {preference!r} requested but this machine has {count} CUDA device(s)")
        return torch.device("cuda", index)
    if device.type == "mps":
        if not _mps_available():
            raise ValueError(f"device {preference!r} requested but MPS (Apple GPU) is not available")
        return torch.device("mps")
    raise ValueError(f"unsupported device {preference!r}; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'")


def describe_device(device) -> str:
    """A short human description, e.g. ``"cuda:0 (NVIDIA H100 80GB HBM3)"`` or ``"cpu (2 threads)"``.

    The CPU thread count is torch's current intra-op setting, so call this where the work runs
    (inside any ``torch.set_num_threads`` scope).
    """
    device = torch.device(device)
    if device.type == "cuda":
        index = torch.cuda.current_device() if device.index is None else device.index
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return str(device)
