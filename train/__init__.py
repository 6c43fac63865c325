"""Training of kbpredict's word-level LSTM language model (needs the ``train`` extra: torch)."""
