"""The GraphQL body: query editor, variables, operation picker and the schema explorer."""
