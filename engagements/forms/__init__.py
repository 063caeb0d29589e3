"""Forms of the browser pages, one module per step."""
