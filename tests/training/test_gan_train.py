"""A smoke training of a few steps through the real code path (tiny net, nine
small pieces), resuming, ONNX export with parity, the model card, and data-parallel
training with two gloo processes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from deepcomposer_desktop.generation.registry import Registry  # noqa: E402
from deepcomposer_desktop.training import datasets as ds  # noqa: E402
from deepcomposer_desktop.training.gan_export import MARGIN_TIE, export_model  # noqa: E402
from deepcomposer_desktop.training.gan_net import (Critic, GanConfig, Generator,  # noqa: E402
                                                    export_onnx, gradient_penalty)
from deepcomposer_desktop.training.gan_train import GanTrainer, TrainConfig  # noqa: E402

TINY = GanConfig(base=4, noise_channels=2)


def _config(run_dir, epochs=1):
    return TrainConfig(dataset="folder", run_dir=str(run_dir), epochs=epochs, batch_size=8,
                       update_ratio=2, transpose=2, seed=3, net=TINY)


@pytest.fixture(scope="module")
def data(midi_folder):
    return ds.load_folder(midi_folder)


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    run = tmp_path_factory.mktemp("run")
    trainer = GanTrainer(_config(run), data, progress=False)
    summary = trainer.fit()
    return trainer, summary, run


def test_smoke_training_logs_losses_and_checkpoints(trained):
    trainer, summary, run = trained
    assert summary["steps"] == summary["iterations_per_epoch"] >= 1
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    steps = [r for r in records if "g_loss" in r]
    assert len(steps) == summary["steps"]
    assert all(np.isfinite(r["g_loss"]) and np.isfinite(r["d_loss"]) for r in steps)
    assert any("validation" in r for r in records)
    assert (run / "checkpoint.safetensors").exists()


def test_training_resumes_from_its_checkpoint(trained, data):
    trainer, summary, run = trained
    again = GanTrainer(_config(run, epochs=2), data, progress=False)
    assert again.step == summary["steps"]
    for a, b in zip(trainer.G.state_dict().values(), again.G.state_dict().values()):
        assert torch.equal(a, b)
    assert again.opt_g.state_dict()["state"]  # Adam moments restored too
    assert again.fit()["steps"] == 2 * summary["steps"]


def test_onnx_matches_pytorch(tmp_path):
    torch.manual_seed(0)
    g = Generator(TINY).eval()
    path = tmp_path / "g.onnx"
    export_onnx(g, str(path))
    melody = (torch.rand(3, 1, TINY.steps, TINY.pitches) > 0.9).float() * 2 - 1
    noise = torch.randn(3, *TINY.noise_shape)
    with torch.no_grad():
        expected = g(melody, noise).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(["accompaniment"], {"melody": melody.numpy(), "noise": noise.numpy()})[0]
    assert got.shape == (3, 3, TINY.steps, TINY.pitches)
    assert np.abs(got - expected).max() < 1e-4


def test_gradient_penalty_is_zero_for_a_unit_gradient_critic():
    class Linear(torch.nn.Module):
        def forward(self, melody, acc):  # gradient wrt acc has norm 1 everywhere
            return acc.flatten(1)[:, 0]
    x = torch.zeros(2, 3, 4, 4)
    assert gradient_penalty(Linear(), x[:, :1], x, x + 1).item() == pytest.approx(0.0)
    assert Critic(TINY)(torch.zeros(2, 1, 32, 64), torch.zeros(2, 3, 32, 64)).shape == (2,)


def test_export_writes_a_card_the_registry_accepts(trained, tmp_path):
    trainer, _, _ = trained
    card = export_model(trainer, tmp_path, "tiny-gan", genre="test")
    entry = Registry([tmp_path]).get("tiny-gan", "gan")
    assert entry.card.sha256 == card["sha256"]
    for section in ("real", "model", "baseline"):
        assert set(card["metrics"][section]) >= {"in_scale_rate", "tonal_distance"}
    t = card["training"]
    assert t["pieces"]["train"] + t["pieces"]["validation"] + t["pieces"]["test"] == 9
    assert t["iterations"] == trainer.step and t["machine"]
    assert (tmp_path / "tiny-gan.onnx").stat().st_size < 5_000_000
    # The key default and candidates: the fewest candidates whose margin on validation
    # is within MARGIN_TIE of the widest, the strict lock and the soft pull both tried.
    gan = card["gan"]
    margins = gan["validation_search"]["key lock/candidates (margin)"]
    assert {k.split("/")[0] for k in margins} == {"lock", "pull"}
    chosen = f"{'lock' if gan['key_lock'] else 'pull'}/{gan['candidates']}"
    near = {k for k, v in margins.items() if v >= max(margins.values()) - MARGIN_TIE}
    assert chosen in near
    assert gan["candidates"] == min(int(k.split("/")[1]) for k in near)
    assert ("key_penalty" in gan) == (not gan["key_lock"])
    # The folder's accompaniment is triads a beat long: no 16ths, so lines last an
    # eighth at least.
    assert gan["real_short_note_share"] == 0 and gan["min_steps"] == 2


WORKER = """
import hashlib, json, sys
import torch
from deepcomposer_desktop.training import datasets as ds, distributed
from deepcomposer_desktop.training.gan_net import GanConfig
from deepcomposer_desktop.training.gan_train import GanTrainer, TrainConfig
folder, run, out = sys.argv[1:4]
cfg = TrainConfig(dataset="folder", run_dir=run, epochs=1, batch_size=4, update_ratio=1,
                  seed=1, net=GanConfig(base=4, noise_channels=2))
t = GanTrainer(cfg, ds.load_folder(folder), progress=False)
t.fit()  # the whole loop: collective stop/checkpoint decisions, rank 0 logs
digest = hashlib.sha1(b"".join(p.detach().numpy().tobytes() for p in t.G.parameters())).hexdigest()
with open(f"{out}/rank{t.rank}.json", "w") as f:
    json.dump({"rank": t.rank, "world": t.world, "digest": digest}, f)
distributed.shutdown()
"""


def test_two_gloo_processes_train_in_step(midi_folder, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).parents[2]))
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         str(script), str(midi_folder), str(tmp_path / "run"), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world"] for r in ranks] == [2, 2]
    assert (tmp_path / "run" / "checkpoint.safetensors").exists()
    # Different data on each rank, yet all-reduced gradients keep the weights identical.
    assert ranks[0]["digest"] == ranks[1]["digest"]
