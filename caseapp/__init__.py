"""caseapp: case management for investigators of fentanyl-precursor trafficking."""

__version__ = "0.1.0"
