"""The estimator: deterministic sampling, Poisson bootstrap replicates, tagger-error correction."""
