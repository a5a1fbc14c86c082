"""The records app schedules no background work: certificates are issued within the request."""
