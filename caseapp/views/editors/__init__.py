"""Record editors built from the field specs of the data model."""
