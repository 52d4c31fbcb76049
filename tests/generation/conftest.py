import pytest


@pytest.fixture(scope="session")
def tiny_transformer_onnx(tmp_path_factory):
    """A small randomly initialised Transformer exported with the real exporter:
    enough to test the sampling loop's guarantees (the shipped model has its own tests)."""
    torch = pytest.importorskip("torch")
    from deepcomposer_desktop.training.transformer_net import (
        PerformanceTransformer, TransformerConfig, export_onnx)

    torch.manual_seed(0)
    model = PerformanceTransformer(TransformerConfig(d_model=32, n_layers=2, n_heads=2, d_ff=64,
                                                     max_len=64, dropout=0.0))
    path = tmp_path_factory.mktemp("tf") / "tiny.onnx"
    export_onnx(model, str(path))
    return path


@pytest.fixture(scope="session")
def tiny_arcnn_onnx(tmp_path_factory):
    """A small randomly initialised AR-CNN U-Net exported with the real exporter."""
    torch = pytest.importorskip("torch")
    from deepcomposer_desktop.training.arcnn_net import ArcnnUNet, export_onnx

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("arcnn") / "tiny.onnx"
    export_onnx(ArcnnUNet(base=4, levels=3), str(path), steps=128, pitches=64)
    return path
