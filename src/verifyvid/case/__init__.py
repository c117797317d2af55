"""The case folder: manifest, atomic writes, locking, integrity."""
