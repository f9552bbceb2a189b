"""Allow ``python -m pmsite``."""

from pmsite.cli import main

if __name__ == "__main__":
    main()
