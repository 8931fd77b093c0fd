"""Candidate sentences to a cited answer: features, the learned scorer, composing, the optional model."""
