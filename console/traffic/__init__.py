"""Test traffic from the console (no Textual): endpoints from config, a streaming OpenAI client,
bounded load tests, the capacity probe and shadow comparison."""
