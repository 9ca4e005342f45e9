"""What the Typesense engine reads from the cluster: searches sent together
and read later, a stored passage by id, and the client's failures as the
engine's errors.

A search is sent to the alias (`collection=None`) or to a collection by name:
the window through the alias, so a rebuild's swap is seen at once; what its
page shows from the `-shown` twin of the collection that answered. A twin
that is gone (the alias moved and the old generation was dropped in
between) is `Moved`: the engine reads the alias again and searches anew.
"""

from __future__ import annotations

from app.search.errors import IndexUnavailableError, NoIndexError
from indexer.typesense.client import is_not_found

# The client's errors for a request the cluster answered and would not carry out.
REFUSALS = ("RequestMalformed", "ObjectUnprocessable")


class Moved(Exception):
    """A collection asked for by name is gone: the alias has moved on."""


class ClusterReads:
    """Reads through `client` (a `TypesenseClient`) of the collections `alias` names."""

    def __init__(self, client, alias: str, nodes: list[str]):
        self.client = client
        self.alias = alias
        self.nodes = nodes

    @property
    def location(self) -> str:
        return f"Typesense alias {self.alias!r} on {', '.join(self.nodes)}"

    def error(self, error: Exception) -> Exception:
        """A client's failure as the engine's error."""
        if is_not_found(error):
            return NoIndexError(self.location, "no collection has been pushed")
        if type(error).__name__ in REFUSALS:
            return IndexUnavailableError(f"Typesense refused a search: {error}")
        return IndexUnavailableError(
            f"the Typesense cluster did not answer ({type(error).__name__}: {error}): "
            f"check that its nodes ({', '.join(self.nodes)}) are running"
        )

    def searches(self, searches: list[dict]) -> list[dict]:
        """Several searches of the alias, all sent before any is read: a node
        searches the pages of a union at once."""
        return self.answers(self.send(searches))

    def search(self, params: dict) -> dict:
        return self.searches([params])[0]

    def send(self, searches: list[dict], collection: str | None = None) -> list:
        """Send `searches` to `collection` (the alias if None); read them with `answers`."""
        try:
            return [self.client.send_search(collection or self.alias, s) for s in searches]
        except Exception as error:
            raise self._sent_error(error, collection) from error

    def answers(self, sent: list, collection: str | None = None) -> list[dict]:
        """The answers of searches `send` sent (to `collection`, if named)."""
        try:
            answers = [search.answer() for search in sent]
        except Exception as error:
            raise self._sent_error(error, collection) from error
        for answer in answers:
            if "error" in answer:  # a long search, POSTed in a multi_search
                raise IndexUnavailableError(f"Typesense refused a search: {answer['error']}")
        return answers

    def document(self, collection: str, passage_id: str) -> dict | None:
        """One stored passage of `collection`, or None if it holds none by that id.

        :raises Moved: the collection itself is gone.
        """
        try:
            return self.client.document(collection, passage_id)
        except Exception as error:
            if not is_not_found(error):
                raise self.error(error) from error
        if collection != self.alias and not self.exists(collection):
            raise Moved(collection)
        return None

    def exists(self, collection: str) -> bool:
        try:
            return collection_exists(self.client, collection)
        except Exception as error:
            raise self.error(error) from error

    def _sent_error(self, error: Exception, collection: str | None) -> Exception:
        if collection is not None and is_not_found(error):
            return Moved(collection)
        return self.error(error)


def collection_exists(client, name: str) -> bool:
    """Whether the cluster holds collection `name` (the client's error if it cannot say)."""
    try:
        client.get(f"/collections/{name}")
    except Exception as error:
        if is_not_found(error):
            return False
        raise
    return True
