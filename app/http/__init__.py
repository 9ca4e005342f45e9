"""The HTTP layer: thin Flask views over the search core (`app.search`)."""
