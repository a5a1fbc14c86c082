"""The consult app has no background work: searches are answered from precomputed terms."""
