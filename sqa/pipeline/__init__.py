"""The paper's stages and systems run end to end: stages, provenance, preflight.

``sqa.pipeline.stages`` builds the cached stages and evaluates the systems, ``sqa.pipeline.provenance``
records what produced every result, ``sqa.pipeline.preflight`` checks that a profile can run here.
"""
