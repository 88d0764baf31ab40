"""What a run is, before anything runs: the profiles (``<name>.yaml`` and :mod:`sqa.configs.profiles`), the kernel
pin, the judge and extractor a profile names, the paper's systems, where runs and results go, the process layout.

Every module here imports only the standard library, PyYAML and :mod:`sqa.schema`, so ``python -m
sqa.configs.systems`` answers the Makefile before the environment is built.
"""
