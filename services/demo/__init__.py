"""`llm4gov demo`: the LLM4Gov method end to end on a laptop (not a service: it drives the services over HTTP)."""
