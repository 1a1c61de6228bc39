"""The ways in: the `qa` command (`cli`), the HTTP API (`server`, FastAPI) and the chat page
mounted on it (`webui`, Gradio). Each is a thin shell over `qa.assistant.Assistant`.
"""
