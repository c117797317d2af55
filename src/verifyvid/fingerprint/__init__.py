"""Fingerprints of pictures, below both the stages and the archive."""
