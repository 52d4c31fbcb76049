"""A decoder-only Transformer over performance tokens, with a KV cache that
survives ONNX export.

Pre-LayerNorm blocks, rotary position embeddings (relative positions, so a
continuation can run past the training length), tied input/output embeddings.
`forward(tokens, past)` takes the keys and values of earlier tokens as one tensor
`past[layers, 2, batch, heads, past_len, head_dim]` and returns the logits of the
new tokens and `present` (past with the new keys/values appended): each new
token costs one step, not a re-run of the sequence.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class TransformerConfig:
    vocab_size: int = 310
    d_model: int = 256
    n_layers: int = 4
    n_heads: int = 4
    d_ff: int = 1024
    max_len: int = 1024  # context the model is trained and run with
    dropout: float = 0.1

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    def to_dict(self) -> dict:
        return asdict(self)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class Rotary(nn.Module):
    def __init__(self, head_dim: int, base: float = 10000.0) -> None:
        super().__init__()
        inv = 1.0 / (base ** (torch.arange(0, head_dim, 2).float() / head_dim))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        # x: [B, H, T, D]; positions: [T]
        freqs = positions.float()[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return x * emb.cos() + _rotate_half(x) * emb.sin()


class Block(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.ff = nn.Sequential(nn.Linear(cfg.d_model, cfg.d_ff), nn.GELU(),
                                nn.Linear(cfg.d_ff, cfg.d_model))
        self.drop = nn.Dropout(cfg.dropout)
        self.rotary = Rotary(cfg.head_dim)

    def forward(self, x: torch.Tensor, past_kv: torch.Tensor, positions: torch.Tensor,
                mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, t, _ = x.shape
        h, d = self.cfg.n_heads, self.cfg.head_dim
        q, k, v = self.qkv(self.ln1(x)).split(self.cfg.d_model, dim=-1)
        q = q.view(b, t, h, d).transpose(1, 2)
        k = k.view(b, t, h, d).transpose(1, 2)
        v = v.view(b, t, h, d).transpose(1, 2)
        q, k = self.rotary(q, positions), self.rotary(k, positions)
        k = torch.cat((past_kv[0], k), dim=2)
        v = torch.cat((past_kv[1], v), dim=2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (self.drop(att) @ v).transpose(1, 2).reshape(b, t, self.cfg.d_model)
        x = x + self.drop(self.proj(y))
        x = x + self.drop(self.ff(self.ln2(x)))
        return x, torch.stack((k, v))


class PerformanceTransformer(nn.Module):
    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def empty_past(self, batch: int = 1) -> torch.Tensor:
        c = self.cfg
        return torch.zeros(c.n_layers, 2, batch, c.n_heads, 0, c.head_dim)

    def forward(self, tokens: torch.Tensor, past: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        if past is None:
            past = self.empty_past(tokens.shape[0])
        t = tokens.shape[1]
        p = past.shape[4]
        positions = torch.arange(t) + p
        # Query i (absolute position p + i) sees keys 0 .. p + i.
        mask = torch.arange(p + t)[None, :] <= positions[:, None]
        x = self.embed(tokens)
        presents = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, past[i], positions, mask)
            presents.append(kv)
        logits = self.ln(x) @ self.embed.weight.T
        return logits, torch.stack(presents)

    def loss(self, tokens: torch.Tensor, pad: int = 0) -> torch.Tensor:
        """Mean next-token cross-entropy (nats per event), ignoring padding."""
        logits, _ = self(tokens[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1),
                               ignore_index=pad)


def export_onnx(model: PerformanceTransformer, path: str) -> None:
    """Write one self-contained ONNX file with inputs `tokens` int64 [batch, seq] and
    `past` float32 [layers, 2, batch, heads, past_len, head_dim]; outputs `logits`
    [batch, seq, vocab] and `present` [layers, 2, batch, heads, past_len + seq, head_dim]."""
    model.eval()
    tokens = torch.zeros(1, 3, dtype=torch.long)
    c = model.cfg
    past = torch.zeros(c.n_layers, 2, 1, c.n_heads, 2, c.head_dim)
    torch.onnx.export(
        model, (tokens, past), path, dynamo=False, opset_version=17,
        input_names=["tokens", "past"], output_names=["logits", "present"],
        dynamic_axes={"tokens": {0: "batch", 1: "seq"}, "past": {2: "batch", 4: "past_len"},
                      "logits": {0: "batch", 1: "seq"}, "present": {2: "batch", 4: "total_len"}},
    )
