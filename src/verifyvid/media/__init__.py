"""The only code that talks to ffmpeg and the decoders."""
