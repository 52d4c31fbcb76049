"""Data-parallel training across processes started by `torchrun` (gloo on CPU,
NCCL on GPU). Without torchrun's environment everything is a no-op (one process).

WGAN-GP's gradient penalty needs a double backward, which DistributedDataParallel's
gradient hooks do not support; so each process computes its own gradients and
`average_gradients` all-reduces them before the optimiser step, which is the same
arithmetic DDP performs. Rank 0 broadcasts the initial weights."""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def init() -> tuple[int, int]:
    """(rank, world size); joins the process group when started by torchrun."""
    if "WORLD_SIZE" not in os.environ or int(os.environ["WORLD_SIZE"]) <= 1:
        return 0, 1
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size()


def active() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def broadcast_parameters(module: torch.nn.Module) -> None:
    if active():
        for t in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(t.data, 0)


def average_gradients(module: torch.nn.Module) -> None:
    if not active():
        return
    world = dist.get_world_size()
    for p in module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad /= world


def average_scalar(value: float) -> float:
    if not active():
        return value
    t = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return float(t.item()) / dist.get_world_size()


def barrier() -> None:
    if active():
        dist.barrier()


def shutdown() -> None:
    """Leave the group together: a rank that tears down gloo while the other is
    still talking to it aborts the process."""
    if active():
        dist.barrier()
        dist.destroy_process_group()
