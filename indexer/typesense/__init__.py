"""Kavosh over a Typesense cluster, the indexer side: the client, the
collection schemas and the push that publishes a collection behind an alias."""
