"""The sidebar: collections, environments and history."""
