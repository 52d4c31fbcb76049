import numpy as np
import onnxruntime as ort
import torch

from deepcomposer_desktop.training.transformer_net import (
    PerformanceTransformer, TransformerConfig, export_onnx)


def _model():
    torch.manual_seed(1)
    m = PerformanceTransformer(TransformerConfig(d_model=48, n_layers=2, n_heads=3, d_ff=96,
                                                 dropout=0.0))
    return m.eval()


def test_kv_cache_matches_a_full_pass():
    m = _model()
    tokens = torch.randint(0, 310, (2, 30))
    with torch.no_grad():
        full, _ = m(tokens)
        a, past = m(tokens[:, :17])
        b, present = m(tokens[:, 17:], past)
    assert present.shape == (2, 2, 2, 3, 30, 16)
    assert torch.allclose(torch.cat([a, b], 1), full, atol=1e-5)


def test_onnx_step_by_step_matches_pytorch(tmp_path):
    m = _model()
    export_onnx(m, str(tmp_path / "t.onnx"))
    sess = ort.InferenceSession(str(tmp_path / "t.onnx"))
    tokens = torch.randint(0, 310, (1, 25))
    with torch.no_grad():
        full, _ = m(tokens)
    past = np.zeros((2, 2, 1, 3, 0, 16), np.float32)
    logits, past = sess.run(None, {"tokens": tokens[:, :10].numpy(), "past": past})
    outs = [logits]
    for i in range(10, 25):
        logits, past = sess.run(None, {"tokens": tokens[:, i:i + 1].numpy(), "past": past})
        outs.append(logits)
    assert np.abs(np.concatenate(outs, 1) - full.numpy()).max() < 1e-4


def test_loss_is_the_next_token_cross_entropy_and_ignores_padding():
    m = _model()
    tokens = torch.randint(2, 310, (2, 12))
    loss = m.loss(tokens)
    assert abs(loss.item() - np.log(310)) < 0.5  # an untrained model is near uniform
    padded = torch.cat([tokens, torch.zeros(2, 5, dtype=torch.long)], 1)
    # Padding targets are ignored; the logits of real positions do not see later pads (causal).
    assert torch.allclose(m.loss(padded), loss, atol=1e-5)
