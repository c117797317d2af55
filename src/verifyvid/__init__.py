"""verifyvid: offline toolkit for verifying viral videos."""

__version__ = "0.1.0"
