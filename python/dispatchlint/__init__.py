"""dispatchlint: the command-line tool, packaged as a wheel.

The package holds no Python API: it only finds the ``dispatchlint`` binary
that the wheel installs into the environment's scripts directory, so that
``python -m dispatchlint`` works where the scripts directory is not on PATH.
"""

from dispatchlint._find import find_dispatchlint_bin

__all__ = ["find_dispatchlint_bin"]
