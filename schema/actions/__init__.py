"""ActionItem types, mutations and the accountability query."""
