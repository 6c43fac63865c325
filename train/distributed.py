"""PyTorch's own DistributedDataParallel, as torchrun starts it: gloo on CPU, nccl on GPU.

A single process (no ``WORLD_SIZE`` in the environment) is world size 1 and takes the same
code path, with every collective a no-op.
"""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    """This process's place among the training processes."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def init_world(device_kind: str) -> World:
    """Join the process group torchrun describes in the environment (if any)."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World()
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device_kind == "cuda" else "gloo")
    return World(rank=dist.get_rank(), size=dist.get_world_size(), local_rank=int(os.environ.get("LOCAL_RANK", 0)))


def shutdown(world: World) -> None:
    """Leave the process group cleanly.

    DDP's reducer keeps gloo work objects alive; if they are still around when the interpreter
    shuts down, gloo aborts the process ("terminate called without an active exception",
    pytorch/pytorch#190489). So: drop them, wait for everyone, then destroy the group.
    """
    if world.distributed and dist.is_initialized():
        gc.collect()
        dist.barrier()
        dist.destroy_process_group()


def _collective_device() -> torch.device:
    # NCCL reduces only CUDA tensors; gloo takes CPU tensors.
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def mean_across(world: World, value: float) -> float:
    """The mean of a number over all processes."""
    if not world.distributed:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=_collective_device())
    dist.all_reduce(tensor)
    return tensor.item() / world.size


def any_across(world: World, flag: bool) -> bool:
    """True if any process says so; every process must call it at the same step."""
    if not world.distributed:
        return flag
    tensor = torch.tensor([1.0 if flag else 0.0], device=_collective_device())
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return tensor.item() > 0


def gather_rows(world: World, tensor: torch.Tensor) -> torch.Tensor:
    """Concatenate each process's [L, rows, H] tensor along rows, in rank order (on every rank)."""
    if not world.distributed:
        return tensor
    parts = [torch.empty_like(tensor) for _ in range(world.size)]
    dist.all_gather(parts, tensor.contiguous())
    return torch.cat(parts, dim=1)


def barrier(world: World) -> None:
    if world.distributed:
        dist.barrier()
