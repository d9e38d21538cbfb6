"""The one exception type that means "the user asked for something that cannot be done".

The command line prints such an error as a single ``error: ...`` line and exits 2,
without a traceback: a missing file, an unreadable format, a wrong model directory
or a malformed config is the user's to fix, and a traceback would only hide the
one sentence that says how. Any other exception is a defect in flashpoint and keeps
its traceback.
"""

from __future__ import annotations


class UserError(ValueError):
    """A mistake in the request (paths, formats, options, configs); the message says what to do."""


def describe_yaml_error(error: Exception, source: str | None = None) -> str:
    """A YAML syntax error as one line, ``file:line:column: problem`` (1-based, as editors count).

    PyYAML's own message spans several lines with context snippets; the position and
    the problem are what a user needs to find the mistake.
    """
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or getattr(error, "context", None) or str(error).splitlines()[0]
    if mark is None:
        return f"{source or 'YAML'}: invalid YAML: {problem}"
    name = source or (mark.name if mark.name and not mark.name.startswith("<") else "YAML")
    return f"{name}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {problem}"
