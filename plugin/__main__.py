"""Entry point of the plugin directory: the language host runs ``venv/bin/python <plugin dir>``.

In the release's source archive the provider's packages sit beside this file; in a clone of the repository
(``pulumi package add <git URL>/plugin@v<version>`` installs the whole clone) they are in ``../src``.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if not (HERE / "deltastream_provider").is_dir() and (HERE.parent / "src/deltastream_provider").is_dir():
    sys.path.insert(1, str(HERE.parent / "src"))

from deltastream_provider.entry import main  # noqa: E402

main()
