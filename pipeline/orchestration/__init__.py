"""The sync job and its schedule."""
