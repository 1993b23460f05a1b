"""Use cases: each public method is one unit of work taking and returning plain records."""
