"""The render pool: killable worker processes (worker), the client that sends them
jobs (client) and the wire format between them (wire)."""
