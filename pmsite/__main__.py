"""Allow ``python -m pmsite``."""

from pmsite.cli import run

if __name__ == "__main__":
    run()
