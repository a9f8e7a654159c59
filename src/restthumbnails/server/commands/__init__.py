"""One module per `restthumbnails` subcommand, each with `add(commands)` and `run(args)`.

server/cli.py dispatches to them; serve and the lifecycle commands configure
Django with the one start-up sequence of server/startup.py.
"""
