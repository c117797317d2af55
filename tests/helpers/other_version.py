"""A `dask worker --preload` module for the cluster tests: the worker reports another verifyvid
version than the client's (as a worker left on an older install would)."""

import verifyvid

verifyvid.__version__ = "0.0.0-older"
