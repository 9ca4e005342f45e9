"""The Typesense engine: our parsed queries as Typesense searches
(`query`) and the live collection behind the alias (`engine`)."""
