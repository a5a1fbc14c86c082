"""The photos app schedules no background work: a burst is scored within the request."""
