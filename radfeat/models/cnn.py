"""The CNN architectures of the benchmark: a small plain CNN (2D or 3D) and the MedMNIST ResNet-18.

Both return logits; :class:`~radfeat.models.classifier.CNNClassifier` applies the softmax.
"""

from __future__ import annotations

try:
    import torch
except ImportError as exc:
    from . import TORCH_MISSING

    raise ImportError(TORCH_MISSING) from exc

nn = torch.nn

__all__ = ["ARCHS", "ResNet18", "SimpleCNN", "build_model"]

#: Architectures :func:`build_model` knows.
ARCHS = ("simple", "resnet18")

_N_POOLS = 3


def _layers(ndim):
    if ndim == 2:
        return nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d
    if ndim == 3:
        return nn.Conv3d, nn.BatchNorm3d, nn.MaxPool3d
    raise ValueError(f"ndim must be 2 or 3, got {ndim!r}")


class SimpleCNN(nn.Module):
    """Three conv-BN-ReLU-maxpool blocks and a two-layer classifier head.

    Parameters
    ----------
    in_channels, n_classes : int
    ndim : {2, 3}, default 2
        2D images or 3D volumes (``Conv3d``/``BatchNorm3d``/``MaxPool3d``).
    image_size : int, default 28
        Side of the (square or cubic) input. Each max-pool floors odd sizes, so any size of at
        least 8 works (28 -> 14 -> 7 -> 3).
    width : int, default 32
        Channels of the first block; the next two have ``2 * width`` and ``4 * width``.
    hidden : int, default 512
        Units of the hidden fully connected layer.
    dropout : float, default 0.5
        Dropout before the output layer.
    """

    def __init__(self, in_channels, n_classes, *, ndim=2, image_size=28, width=32, hidden=512, dropout=0.5):
        super().__init__()
        conv, norm, pool = _layers(ndim)
        side = int(image_size)
        for _ in range(_N_POOLS):
            side //= 2
        if side < 1:
            raise ValueError(f"image_size must be at least {2 ** _N_POOLS} for SimpleCNN, got {image_size!r}")
        blocks, channels = [], in_channels
        for k in range(_N_POOLS):
            out = width * 2 ** k
            # no conv bias: the BatchNorm right after has its own
            blocks += [conv(channels, out, 3, padding=1, bias=False), norm(out), nn.ReLU(inplace=True), pool(2)]
            channels = out
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * side ** ndim, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class _BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    """ResNet-18 with the MedMNIST v2 stem for small images.

    torchvision's ResNet-18 (BasicBlock, ``[2, 2, 2, 2]``, widths 64/128/256/512, stage strides
    1/2/2/2, adaptive average pool, linear head) with its 7x7/2 convolution and max-pool replaced
    by a 3x3/1 convolution: the original stem shrinks a 28x28 input to 7x7 before the first
    stage, leaving the last stage a single pixel. Initialised as torchvision does (Kaiming-normal
    convolutions, BatchNorm weight 1 and bias 0). 2D only.

    Parameters
    ----------
    in_channels, n_classes : int
    """

    def __init__(self, in_channels, n_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        planes, layers = 64, []
        for width, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers.append(nn.Sequential(_BasicBlock(planes, width, stride), _BasicBlock(width, width)))
            planes = width
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, n_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_model(arch, in_channels, n_classes, ndim=2, image_size=28):
    """The network called ``arch``.

    Parameters
    ----------
    arch : {"simple", "resnet18"}
    in_channels, n_classes : int
    ndim : {2, 3}, default 2
        ``"resnet18"`` is 2D only.
    image_size : int, default 28
        Side of the input (``"simple"`` sizes its first linear layer from it).

    Raises
    ------
    ValueError
        Unknown ``arch``, or 3D with ``"resnet18"``.
    """
    if arch == "simple":
        return SimpleCNN(in_channels, n_classes, ndim=ndim, image_size=image_size)
    if arch == "resnet18":
        if ndim != 2:
            raise ValueError(f"arch='resnet18' is 2D only, got ndim={ndim!r}; use arch='simple' for 3D volumes")
        return ResNet18(in_channels, n_classes)
    raise ValueError(f"unknown arch {arch!r}; choose one of {', '.join(repr(a) for a in ARCHS)}")
