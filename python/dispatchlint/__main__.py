"""``python -m dispatchlint``: runs the binary installed beside this package."""

import os
import sys

from dispatchlint._find import find_dispatchlint_bin


def main() -> None:
    path = find_dispatchlint_bin()
    args = [path, *sys.argv[1:]]
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.run(args).returncode)
    os.execv(path, args)


if __name__ == "__main__":
    main()
