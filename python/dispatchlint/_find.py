"""Where the ``dispatchlint`` executable that came with this package is."""

import os
import sysconfig


def find_dispatchlint_bin() -> str:
    """The path of the ``dispatchlint`` executable this package was installed with."""
    exe = "dispatchlint" + (sysconfig.get_config_var("EXE") or "")
    candidates = [sysconfig.get_path("scripts")]
    # A `pip install --user`: the user scheme's scripts directory.
    user_scheme = {"nt": "nt_user", "posix": "posix_user"}.get(os.name)
    if user_scheme and user_scheme in sysconfig.get_scheme_names():
        candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    # `pip install --target DIR`: the binary sits in DIR/bin, beside the package.
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    candidates.append(os.path.join(package_root, "bin"))
    for directory in candidates:
        path = os.path.join(directory, exe)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(
        "dispatchlint: the executable was not found in " + ", ".join(candidates)
    )
