"""Per-request context shared down the call chain without threading it through every call."""

from __future__ import annotations

from contextvars import ContextVar

# The id of the DRS request being served: bound to log lines and sent upstream to Synapse.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# When the DRS request being served must be answered by (event-loop time): the retry budget.
deadline: ContextVar[float | None] = ContextVar("deadline", default=None)
