"""Pure rendering from the case folder to Markdown."""
