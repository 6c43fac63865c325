"""The word-level LSTM language model: embedding -> 1-2 LSTM/CIFG layers -> tied output layer."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .config import ModelConfig

State = tuple[torch.Tensor, torch.Tensor]  # (h, c), each [num_layers, batch, hidden]


class CIFGLayer(nn.Module):
    """One LSTM layer with a coupled input and forget gate (f = 1 - i), Gboard's cell.

    Three gates instead of four: a quarter fewer recurrent weights. The gate rows are ordered
    (input, cell candidate, output); ``f = 1 - i`` matches ONNX's LSTM with ``input_forget=1``.
    """

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.zeros(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(3 * hidden_size))
        bound = hidden_size**-0.5  # nn.LSTM's initialization
        for weight in (self.weight_ih, self.weight_hh):
            nn.init.uniform_(weight, -bound, bound)

    def forward(self, inputs: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        """inputs [T, B, I], state ([B, H], [B, H]) -> outputs [T, B, H], new state."""
        h, c = state
        # The input projection of every time step in one matmul; only the recurrence loops.
        projected = F.linear(inputs, self.weight_ih, self.bias_ih + self.bias_hh)
        outputs = []
        for x in projected.unbind(0):
            gates = x + F.linear(h, self.weight_hh)
            i, g, o = gates.chunk(3, dim=1)
            i = torch.sigmoid(i)
            c = (1 - i) * c + i * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outputs.append(h)
        return torch.stack(outputs), (h, c)


class LanguageModel(nn.Module):
    """``forward(tokens [B, T], state) -> (logits [B, T, V], state)``, output tied to the embedding."""

    def __init__(self, config: ModelConfig, dropout: float = 0.0):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size)
        nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
        sizes = [config.embedding_size] + [config.hidden_size] * config.num_layers
        if config.cell == "lstm":
            self.layers = nn.ModuleList(nn.LSTM(sizes[i], sizes[i + 1]) for i in range(config.num_layers))
        else:
            self.layers = nn.ModuleList(CIFGLayer(sizes[i], sizes[i + 1]) for i in range(config.num_layers))
        # A projection lets a wide LSTM share the (narrow, tied) embedding matrix for its output.
        self.projection = (
            nn.Linear(config.hidden_size, config.embedding_size)
            if config.hidden_size != config.embedding_size
            else None
        )
        self.output_bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.dropout = nn.Dropout(dropout)

    def initial_state(self, batch_size: int, device: torch.device | str = "cpu") -> State:
        """Zero (h, c) for a batch."""
        shape = (self.config.num_layers, batch_size, self.config.hidden_size)
        return torch.zeros(shape, device=device), torch.zeros(shape, device=device)

    def forward(self, tokens: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        x = self.dropout(self.embedding(tokens.t()))  # time-major [T, B, E]
        hs, cs = [], []
        for index, layer in enumerate(self.layers):
            layer_state = (state[0][index], state[1][index])
            if isinstance(layer, nn.LSTM):
                x, (h, c) = layer(x, (layer_state[0].unsqueeze(0), layer_state[1].unsqueeze(0)))
                h, c = h.squeeze(0), c.squeeze(0)
            else:
                x, (h, c) = layer(x, layer_state)
            hs.append(h)
            cs.append(c)
            x = self.dropout(x)
        if self.projection is not None:
            x = self.projection(x)
        logits = F.linear(x, self.embedding.weight, self.output_bias)
        return logits.transpose(0, 1), (torch.stack(hs), torch.stack(cs))

    def num_parameters(self) -> int:
        """Distinct trainable parameters (the tied matrix counted once)."""
        return sum(p.numel() for p in self.parameters())
