"""Hub writes as the caller: repo creation and commits, the session collection, and the shared write helpers."""
