"""Built-in stages, one package or module each."""
