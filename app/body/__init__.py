"""Response bodies: kept on disk with a line index, and pretty-printed as a stream."""
