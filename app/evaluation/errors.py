"""Validation errors raised by the evaluation package.

Each error names the offending field (``source``, ``conditions[2].value``, ``actions[0].value``,
``parameters[3].value``) so the API layer can point at it in a problem+json response. These are
plain exceptions on purpose: the HTTP status belongs to the API layer, not to domain logic.
"""

from __future__ import annotations


class EvaluationError(ValueError):
    """A definition (condition, action, parameter) that cannot be evaluated."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def within(self, prefix: str) -> EvaluationError:
        """The same error with its field nested under ``prefix`` (``conditions[2]``)."""
        return type(self)(f"{prefix}.{self.field}", self.message)


class ConditionError(EvaluationError):
    """A condition with an unknown source, a disallowed operator, or a bad value."""


class ActionError(EvaluationError):
    """A mapping or rule action that is unknown or has the wrong values."""


class ParameterError(EvaluationError):
    """A parameter whose source, field or template is not valid."""
