"""newsclean from Python: the command line run in-process.

``newsclean.run(["clean", "in", "--out", "out"])`` returns the exit code
the binary would; ``newsclean.ray`` runs the staged subcommands
(fingerprint, resolve, apply, report) as Ray tasks.
"""

from ._native import run, version

__all__ = ["run", "version"]
