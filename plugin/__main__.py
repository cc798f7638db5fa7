"""Entry point of the plugin directory: the language host runs ``venv/bin/python <plugin dir>``."""

from deltastream_provider.plugin.main import main

main()
