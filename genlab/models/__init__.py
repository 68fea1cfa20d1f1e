"""One LightningModule per model family; configs pick them by `_target_`."""
