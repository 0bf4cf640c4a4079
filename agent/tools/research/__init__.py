"""Read-only research: Hub search and repo details, papers, library docs, the research sub-agent (``registry.research_tools``
lists the family)."""
