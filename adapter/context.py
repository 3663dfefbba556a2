"""Per-request context shared down the call chain without threading it through every call."""

from __future__ import annotations

from contextvars import ContextVar

# The id of the DRS request being served: bound to log lines and sent upstream to Synapse.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# When the DRS request being served must be answered by (time.monotonic()): the retry budget.
# That clock, not the event loop's: asyncio.get_running_loop() asks the kernel for the process
# id on every call (CPython 3.11), a system call per request only to read the loop's clock.
deadline: ContextVar[float | None] = ContextVar("deadline", default=None)
