"""Stage contract, registry and runner."""
