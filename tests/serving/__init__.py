"""Tests against a real vLLM server (a package so that its conftest.py does not clash with the other test folders)."""
