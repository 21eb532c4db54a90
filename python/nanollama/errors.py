# SPDX-License-Identifier: Apache-2.0
"""Exceptions raised by nanollama: one class per C status (nl_status), each carrying it."""
from __future__ import annotations

from typing import Optional

# nl_status values (include/nanollama/nanollama.h).
NL_OK = 0
NL_ERR_INVALID_ARGUMENT = 1
NL_ERR_IO = 2
NL_ERR_BAD_FORMAT = 3
NL_ERR_UNSUPPORTED = 4
NL_ERR_CONTEXT_FULL = 5
NL_ERR_CANCELLED = 6
NL_ERR_OUT_OF_MEMORY = 7
NL_ERR_INTERNAL = 8


class Error(Exception):
    """Base class of every nanollama error.

    Attributes:
        status: the C API's status code (an ``nl_status`` value), or None for errors raised
            on the Python side (the library could not be loaded).
        message: the library's message, which names the file, key or value at fault.
    """

    status: Optional[int] = None

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class InvalidArgumentError(Error, ValueError):
    """A bad request or option (an unknown key, a value out of range, a bad ban pattern)."""

    status = NL_ERR_INVALID_ARGUMENT


class FileError(Error):
    """A file could not be opened or read (a missing model, an unreadable tag list)."""

    status = NL_ERR_IO


class BadFormatError(Error):
    """A file is not what it claims to be (a malformed or truncated GGUF)."""

    status = NL_ERR_BAD_FORMAT


class UnsupportedError(Error):
    """A well-formed file that uses something nanollama does not implement."""

    status = NL_ERR_UNSUPPORTED


class ContextFullError(Error):
    """The request's prompt alone does not fit the context."""

    status = NL_ERR_CONTEXT_FULL


class CancelledError(Error):
    """The operation was cancelled before it started."""

    status = NL_ERR_CANCELLED


class OutOfMemoryError(Error, MemoryError):
    """The library could not allocate memory."""

    status = NL_ERR_OUT_OF_MEMORY


class InternalError(Error):
    """A bug in nanollama: please report it with the message."""

    status = NL_ERR_INTERNAL


class LibraryNotFoundError(Error, ImportError):
    """libnanollama.so could not be loaded; the message lists every path tried and why."""


_BY_STATUS = {
    cls.status: cls
    for cls in (
        InvalidArgumentError,
        FileError,
        BadFormatError,
        UnsupportedError,
        ContextFullError,
        CancelledError,
        OutOfMemoryError,
        InternalError,
    )
}


def error_for(status: int, message: str) -> Error:
    """The exception for a C status and its message (Error itself for an unknown status)."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        return Error(message, status)
    return cls(message)
