"""The one error type for mistakes a user can make (bad paths, bad catalogs, bad names, bad SQL).

The CLI turns these into a one-line message and exit code 2; anything else is a bug and raises.
"""


class PrevalenceError(Exception):
    """A problem with the user's input, explained in one line."""


class CatalogError(PrevalenceError):
    """The persona catalog file is missing or malformed."""


class CorpusError(PrevalenceError):
    """A corpus path does not exist or holds no readable shards."""


class RunDirError(PrevalenceError):
    """A run directory is missing, incomplete, or would be overwritten."""


class UnknownPersonaError(PrevalenceError):
    """A persona name matched no name or alias in the catalog."""
