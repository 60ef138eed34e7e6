"""Getting evidence in: loading files, scale scores, privacy rules."""
