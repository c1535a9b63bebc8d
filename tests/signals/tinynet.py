"""A tiny deterministic classifier for signal tests."""
import torch

from aswb.models import Classifier


def tiny(num_classes: int = 8, size: int = 32, seed: int = 0, name: str = "tiny") -> Classifier:
    """A small fixed random CNN: smooth enough that gradient steps change its outputs."""
    g = torch.Generator().manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5, stride=2, padding=2), torch.nn.Tanh(),
                              torch.nn.AdaptiveAvgPool2d(2), torch.nn.Flatten(), torch.nn.Linear(32, num_classes))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return Classifier(net, size, (0.5,) * 3, (0.25,) * 3, [f"c{i}" for i in range(num_classes)], name)
