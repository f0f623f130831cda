"""The moderation engine: normalise -> classify -> relevance/spam -> policy. Pure: no web, DB or terminal imports."""
