#!/usr/bin/env python3
"""Cross-check bundled models against the real torchvision networks.

Needs PyTorch and torchvision (Debian's python3-torch, python3-torchvision);
no weights are downloaded (the networks are built with random weights).
For each model below it counts, on the torchvision network:

- MACs of Conv2d and Linear modules with the formulas of docs/model-format.md
  (H_out * W_out * C_out * C_in / groups * kh * kw; in * out), measured with
  forward hooks on a zero input of the model's size;
- parameters as the bundled models count them: conv and linear weights and
  biases, plus one bias per channel for each BatchNorm that reads a conv
  output (folded into that conv), none for other BatchNorms (folded into the
  feature map as a scale and shift);

and compares them with scripts/make_models.py's exact counts.  Exit status 1
on any difference.

    python3 scripts/check_zoo_torchvision.py
"""

import os
import sys

import torch
from torchvision.models import densenet121
from torchvision.models.detection import ssdlite320_mobilenet_v3_large

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_models  # noqa: E402


def count(model, x):
    macs, params, conv_outputs, keep = [0], [0], set(), []

    def conv_hook(m, inputs, out):
        macs[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        params[0] += sum(p.numel() for p in m.parameters(recurse=False))
        conv_outputs.add(id(out))
        keep.append(out)  # keeps the tensor alive, so its id is not reused

    def linear_hook(m, inputs, out):
        macs[0] += m.in_features * m.out_features
        params[0] += sum(p.numel() for p in m.parameters(recurse=False))

    def batchnorm_hook(m, inputs, out):
        if id(inputs[0]) in conv_outputs:
            params[0] += m.num_features

    for module in model.modules():
        if isinstance(module, torch.nn.ConvTranspose2d):
            raise ValueError("ConvTranspose2d is not counted here")
        if isinstance(module, torch.nn.Conv2d):
            module.register_forward_hook(conv_hook)
        elif isinstance(module, torch.nn.Linear):
            module.register_forward_hook(linear_hook)
        elif isinstance(module, torch.nn.BatchNorm2d):
            module.register_forward_hook(batchnorm_hook)
    with torch.no_grad():
        model(x)
    return macs[0], params[0], sum(p.numel() for p in model.parameters())


class SsdNetwork(torch.nn.Module):
    """An SSD's backbone and heads, without its transform and post-processing."""

    def __init__(self, ssd):
        super().__init__()
        self.ssd = ssd

    def forward(self, x):
        return self.ssd.head(list(self.ssd.backbone(x).values()))


def main():
    torch.manual_seed(0)
    cases = [
        (make_models.densenet121, densenet121(), (224, 224)),
        # weights_backbone=None selects the reduced tail, as the published COCO weights do
        (make_models.ssdlite320_mobilenet_v3_large,
         SsdNetwork(ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None)), (320, 320)),
    ]
    failures = 0
    for build, net, (h, w) in cases:
        ours = build()
        macs, params, torch_params = count(net.eval(), torch.zeros(1, 3, h, w))
        same = (macs, params) == (ours.macs, ours.params)
        failures += not same
        print("%-4s %s: torchvision MACs %s, params %s (BatchNorm folded; %s as torchvision counts); "
              "make_models.py MACs %s, params %s" % ("ok" if same else "FAIL", ours.name, format(macs, ","),
                                                     format(params, ","), format(torch_params, ","),
                                                     format(ours.macs, ","), format(ours.params, ",")))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
