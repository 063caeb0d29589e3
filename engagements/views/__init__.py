"""Browser pages, one module per step (assessment, sourcing, communication, …)."""
