"""Engines: where chunks of records are scored (this machine's processes, or a Ray cluster).

All of them call :class:`flashpoint.chunk_scoring.ChunkScorer`; the Ray engine is
imported only when ``--engine ray`` is asked for, so ``ray`` stays an optional extra.
"""
