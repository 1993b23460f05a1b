"""PDF reports rendered from plain records (no database session, no Qt)."""
