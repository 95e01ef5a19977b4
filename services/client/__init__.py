"""`llm4gov files|label|train|adapters|classify`: a command-line client over the services' HTTP APIs.

For people who do not write code: upload a dataset, label it with a teacher LLM, train a student,
promote it and classify documents, each one command. It talks to running services only (over
HTTP, with an API key) and imports no service code.

Exit codes (stable; scripts may rely on them):

* 0 — success;
* 1 — the job ended (or is) failed, cancelled or paused;
* 2 — usage or validation error: bad arguments or local files, or an HTTP 4xx from the server
  (its problem `detail` is shown);
* 3 — server or connection error: HTTP 5xx, server unreachable, timeout;
* 130 — interrupted (Ctrl-C) while waiting; the job goes on on the server.
"""

from services.client.http import (EXIT_FAILED_JOB, EXIT_INTERRUPTED, EXIT_OK, EXIT_SERVER, EXIT_USAGE, ApiClient,
                                  ApiError, CliError)

__all__ = ["EXIT_FAILED_JOB", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_SERVER", "EXIT_USAGE", "ApiClient", "ApiError",
           "CliError"]
