"""LightningDataModules: embedded offline datasets and real downloaded/local ones."""
