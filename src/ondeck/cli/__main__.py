from ondeck.cli.main import run

run()
