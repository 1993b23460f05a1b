"""The `caseapp` command: the same services the window uses, without Qt (cli.md).

`caseapp.cli.main.main(argv)` runs one command; `caseapp/__main__.py` chooses between it and
the window.
"""
