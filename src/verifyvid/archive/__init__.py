"""The archive of known videos and time-aligned matching against it."""
