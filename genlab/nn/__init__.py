"""Plain `nn.Module` building blocks; nothing in here knows about training or Lightning."""
