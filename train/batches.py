"""BPTT batches: the token stream cut into parallel rows, each process reading only its own rows."""

from __future__ import annotations

import numpy as np
import torch

from .data import DataError


class ArrayStream:
    """An in-memory id array with the same ``read`` interface as :class:`train.shards.TokenStream`."""

    def __init__(self, ids: np.ndarray):
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    def read(self, start: int, stop: int) -> np.ndarray:
        return self._ids[start:stop].astype(np.int64)


class RowBatches:
    """The stream as ``batch_size`` contiguous rows (the classic batchify), for one process.

    Row i covers tokens ``[i * row_length, (i + 1) * row_length)``. With ``world_size`` processes
    the rows are divided among them in rank order and each process reads only its rows, so the
    global batch is the same however many processes share it. ``micro_batches`` splits this
    process's rows further for gradient accumulation.
    """

    def __init__(self, stream, batch_size: int, bptt: int, rank: int = 0, world_size: int = 1,
                 micro_batches: int = 1):
        if batch_size % (world_size * micro_batches):
            raise DataError(f"--batch-size {batch_size} must be a multiple of processes x --grad-accum "
                            f"({world_size} x {micro_batches})")
        self.stream, self.bptt = stream, bptt
        self.row_length = len(stream) // batch_size
        if self.row_length < 2:
            raise DataError(f"only {len(stream)} tokens: too little text for a batch size of {batch_size}")
        rows = batch_size // world_size
        self.rows = range(rank * rows, (rank + 1) * rows)
        self.micro_rows = rows // micro_batches
        self.micro_batches = micro_batches
        self.steps_per_epoch = max(1, (self.row_length - 1) // bptt)

    def micro_batch(self, index: int, micro: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(inputs, targets) [micro_rows, T] of window ``index`` for micro-batch ``micro``."""
        start = index * self.bptt
        length = min(self.bptt, self.row_length - 1 - start)
        rows = self.rows[micro * self.micro_rows : (micro + 1) * self.micro_rows]
        window = np.stack([self.stream.read(row * self.row_length + start, row * self.row_length + start + length + 1)
                           for row in rows])
        window = torch.from_numpy(window)
        return window[:, :-1], window[:, 1:]
