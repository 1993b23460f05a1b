"""The Qt window: everything here talks to services only (never the database)."""
