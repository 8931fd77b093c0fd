"""The web server: guard, connections, log, the HTTP API and the Gradio chat."""
