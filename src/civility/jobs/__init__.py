"""Durable background work behind a small interface: an embedded jobs table + in-process worker, or procrastinate."""
