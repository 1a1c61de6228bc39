"""The ways in: the `qa` command (`cli`), the HTTP API (`server`, FastAPI) and the chat page
mounted on it (`webui`, Gradio). Each is a thin shell over `qa.assistant.Assistant` (the
server and page through the live service, `qa.service`); `launch` starts `qa serve` as a
child process for tests and benchmarks.
"""
