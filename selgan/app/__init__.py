"""selgan in the browser: choose what to preserve and what to synthesise, see the result, download the file.

UI only: every operation goes through selgan's pipeline (selgan.pipeline) and public API. Start it with
`selgan app`; `build_app()` returns the gr.Blocks for tests and embedding. Needs Gradio (`selgan[app]`).

Modules, by job: `layout` (the page and its events), `handlers` (the callbacks), `views` (pictures and
Markdown), `compare` (the classical codecs beside selgan), `session` (per-browser state and files),
`messages` (plain errors, uploads, the budget box).

Besides the page, the app serves a documented endpoint for programs (see handlers.api_compress):

    from gradio_client import Client, handle_file
    sgc, png, info = Client("http://127.0.0.1:7860/").predict(
        handle_file("photo.jpg"), ["Car", "Pedestrian"], "camvid-sc-c8", 0, None, api_name="/compress")
"""

from selgan.app.layout import build_app, main

__all__ = ["build_app", "main"]
