"""GraphQL beyond plain HTTP: a subscription operation shown in the event-stream pane, and
the summary of a GraphQL answer (errors, extensions) above the response body."""
