import math

import numpy as np
import onnxruntime as ort
import torch

from deepcomposer_desktop.training.arcnn_net import ArcnnUNet, corrupt, export_onnx, kl_loss


def test_shapes_and_onnx_parity(tmp_path):
    torch.manual_seed(0)
    net = ArcnnUNet(base=8).eval()
    x = (torch.rand(1, 1, 128, 64) < 0.05).float()
    with torch.no_grad():
        y = net(x)
    assert y.shape == x.shape
    export_onnx(net, str(tmp_path / "a.onnx"))
    out = ort.InferenceSession(str(tmp_path / "a.onnx")).run(None, {"roll": x.numpy()})[0]
    assert np.abs(out - y.numpy()).max() < 1e-4


def test_corrupt_marks_exactly_the_changed_cells():
    g = torch.Generator().manual_seed(0)
    rolls = (torch.rand(16, 1, 32, 16, generator=g) < 0.1).float()
    corrupted, label = corrupt(rolls, g)
    assert torch.equal(label.bool(), corrupted != rolls)
    assert (corrupted[rolls == 0] == 1).float().mean() < 0.03  # about 1 % switched on


def test_kl_is_per_sample_not_per_batch():
    scores = torch.zeros(2, 1, 4, 4)
    label = torch.zeros(2, 1, 4, 4)
    label[0, 0, 0, 0] = 1
    label[1, 0, 1, 1] = label[1, 0, 2, 2] = 1
    # Uniform scores over 16 cells: KL = log 16 - H(target) for each sample.
    expected = ((math.log(16) - 0) + (math.log(16) - math.log(2))) / 2
    assert abs(kl_loss(scores, label).item() - expected) < 1e-5
    # Doubling a sample's label changes nothing: it is normalised per sample.
    assert abs(kl_loss(scores, label * 2).item() - expected) < 1e-5
    # An empty label contributes nothing.
    assert abs(kl_loss(scores[:1], label[:1]).item() - math.log(16)) < 1e-5


def test_a_few_steps_of_training_lower_the_loss():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    net = ArcnnUNet(base=4, levels=3)
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    rolls = torch.zeros(8, 1, 32, 16)
    for i in range(8):  # simple scales: a learnable structure
        for s in range(32):
            rolls[i, 0, s, (s + i) % 16] = 1
    losses = []
    for _ in range(40):
        x, y = corrupt(rolls, g)
        loss = kl_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5
