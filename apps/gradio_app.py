"""`python apps/gradio_app.py`: the same as `selgan app` (the app itself is the selgan.app package)."""

from selgan.app import main

if __name__ == "__main__":
    main()
