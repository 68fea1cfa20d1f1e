"""Entry functions behind each CLI subcommand: thin recipes (compose → instantiate → go)."""
