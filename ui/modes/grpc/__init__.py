"""The window's gRPC mode: a method picker, a message editor checked against its type, and a
stream view of the messages both ways (SPEC 8.2)."""
