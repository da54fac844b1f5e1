"""ACME integration tests against a real Pebble CA and a real BIND."""
