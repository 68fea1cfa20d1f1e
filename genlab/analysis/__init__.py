"""Looking inside trained models: traversals, interpolations (pure functions on tensors)."""
