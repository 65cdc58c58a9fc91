"""Images on the engine: listings, histories, tags and removals, platforms, and the layers of an
image read from its save stream (a tar reader, the three save layouts, dive's waste)."""
