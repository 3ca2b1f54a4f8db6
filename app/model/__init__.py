"""Request models and composing them into requests: the model, {{variables}}, compose."""
