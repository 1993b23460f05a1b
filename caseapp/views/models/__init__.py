"""Item models over paged service queries."""
