"""Writing: the output folder, replaced all at once."""
