"""exitentry: a province's exit-entry administration, end to end."""
