"""Training, evaluation and the versioned model artifacts (manifest + weights, never pickle)."""
