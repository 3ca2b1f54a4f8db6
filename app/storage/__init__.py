"""Where things are kept: the workspace files, atomic writes, the keyring, the history."""
