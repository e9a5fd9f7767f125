"""Runs fixture classes down their framework's real async path and reports
what happened, as JSON on stdout.

    async_path_oracle.py raising FILE...   every DL006 fixture class it knows
                                          (by name), awaited through the
                                          framework's public async entry
    async_path_oracle.py wrappers FILE     the DL009 wrappers, each holding a
                                          native object that records which of
                                          its entries ran
"""

import asyncio
import importlib.util
import json
import os
import sys

os.environ.setdefault("OPENHANDS_SUPPRESS_BANNER", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def load(path):
    name = "fixture_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Class name -> how the framework's async path reaches it: `ainvoke` for
# every LangChain runnable (what async agents and LangGraph call), `acomplete`
# for a LlamaIndex LLM (what its agents and query engines await).
ASYNC_PATH = {
    "EchoTool": ("ainvoke", "x"),
    "BareTool": ("ainvoke", "x"),
    "PassTool": ("ainvoke", "x"),
    "SearchRetriever": ("ainvoke", "x"),
    "EchoChatModel": ("ainvoke", "x"),
    "StubbedChild": ("ainvoke", "x"),
    "EchoLLM": ("acomplete", "x"),
}


def outcome(value):
    text = getattr(value, "content", None) or getattr(value, "text", None)
    if text is None and isinstance(value, list):
        text = [getattr(d, "page_content", d) for d in value]
    return {"returned": text if text is not None else value}


async def raising(paths):
    report = {}
    for path in paths:
        module = load(path)
        for name, (method, argument) in ASYNC_PATH.items():
            cls = getattr(module, name, None)
            if cls is None:
                continue
            try:
                value = await getattr(cls(), method)(argument)
                report[name] = outcome(value)
            except NotImplementedError as error:
                report[name] = {"raised": "NotImplementedError", "message": str(error)}
    return report


async def wrappers(path):
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.documents import Document
    from langchain_core.tools import BaseTool

    module = load(path)
    ran = []

    class RecordingTool(BaseTool):
        name: str = "recording"
        description: str = "records which entry ran"

        def _run(self, query: str) -> str:
            ran.append("_run")
            return query

        async def _arun(self, query: str) -> str:
            ran.append("_arun")
            return query

    class RecordingRetriever(BaseRetriever):
        def _get_relevant_documents(self, query, *, run_manager):
            ran.append("_get_relevant_documents")
            return [Document(page_content=query)]

        async def _aget_relevant_documents(self, query, *, run_manager):
            ran.append("_aget_relevant_documents")
            return [Document(page_content=query)]

    class RecordingLLM(module.NativeLLM):
        def complete(self, prompt, formatted=False, **kwargs):
            ran.append("complete")
            return super().complete(prompt, formatted=formatted, **kwargs)

        async def acomplete(self, prompt, formatted=False, **kwargs):
            ran.append("acomplete")
            return await super().acomplete(prompt, formatted=formatted, **kwargs)

    cases = {
        "WrappingTool": (lambda: module.WrappingTool(inner=RecordingTool()), RecordingTool, "ainvoke"),
        "WrappingRetriever": (
            lambda: module.WrappingRetriever(base=RecordingRetriever()),
            RecordingRetriever,
            "ainvoke",
        ),
        "WrappingLLM": (lambda: module.WrappingLLM(RecordingLLM()), RecordingLLM, "acomplete"),
    }
    report = {}
    for name, (wrapped, held, method) in cases.items():
        # The held object alone takes its native async entry: what the
        # wrapper should reach too.
        ran.clear()
        await getattr(held(), method)("x")
        alone = list(ran)
        ran.clear()
        await getattr(wrapped(), method)("x")
        report[name] = {"held_alone": alone, "through_wrapper": list(ran)}
    return report


def main():
    mode, paths = sys.argv[1], sys.argv[2:]
    if mode == "raising":
        report = asyncio.run(raising(paths))
    else:
        report = asyncio.run(wrappers(paths[0]))
    json.dump(report, sys.stdout, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main()
