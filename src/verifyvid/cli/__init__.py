"""The command line (Typer): thin commands over ``verifyvid.api``."""
