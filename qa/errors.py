"""One error family for everything a user can get wrong.

Each message says what to do next. Every class also subclasses the matching built-in,
so callers that only know Python's exceptions still catch them. Front ends turn a
`QAError` into one line (CLI), a 4xx JSON body (HTTP) or a visible message (UI).
"""


class QAError(Exception):
    """Base class: a problem the user can fix; the message says how."""


class IndexNotFound(QAError, FileNotFoundError):
    """No index at the given directory."""


class IndexCorrupted(QAError, ValueError):
    """The index directory exists but cannot be read."""


class IndexMismatch(QAError, ValueError):
    """The index was built with another embedder, dimension or format."""


class IndexLocked(QAError, RuntimeError):
    """Another process is writing the same index."""


class SourceNotFound(QAError, FileNotFoundError):
    """A path given to `qa index` that does not exist, cannot be read or holds no report."""


class StoreUnavailable(QAError, ConnectionError):
    """A store that cannot be reached or written (a Milvus server down, its extra missing)."""


class TooManyRemovals(QAError, RuntimeError):
    """An index run that would remove most of the index without being told to."""


class SkippedFile(QAError, ValueError):
    """A source file that cannot be indexed (empty, binary, undecodable, too big)."""


class DocumentTooLarge(SkippedFile):
    """A source file over a size limit (bytes or characters): 413 over HTTP."""


class UnknownEmbedder(QAError, ValueError):
    """An embedder name that no backend understands, or a model that cannot load."""


class InvalidQuestion(QAError, ValueError):
    """A question that is empty, too long or not text."""


class InvalidRequest(QAError, ValueError):
    """Bad arguments: an unknown document id, a bad top_k, a bad file name."""
