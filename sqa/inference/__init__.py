"""Assess your own audio files with a trained model, a served one or DNSMOS (``sqa.assess``, ``python -m sqa
assess``)."""
