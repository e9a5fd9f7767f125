"""Runs the DL001 fixtures' dispatch code with the real OpenHands SDK.

    python dispatch_oracle.py FIXTURE.py [FIXTURE.py ...]

Every dispatch entry point of each fixture is awaited twice, on a
conversation whose `arun` is native: once holding an agent that only
inherits `AgentBase.astep`, once holding one that overrides it. Entry points
are the module's async functions whose parameters are among `conversation`
and `loop`, and the classes built from a conversation: their sync methods
without arguments run first (`start()` that stores a test), then their async
methods. Prints JSON: per file and entry point, its lines and which of
`run` / `arun` the conversation saw for each agent ("none" for neither).
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENHANDS_SUPPRESS_BANNER", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from openhands.sdk import AgentBase, LocalConversation  # noqa: E402


class SyncOnlyAgent(AgentBase):
    def step(self, conversation, on_event, on_token=None):  # the sync entry only
        raise AssertionError("the probe never steps")


class NativeAgent(AgentBase):
    def step(self, conversation, on_event, on_token=None):
        raise AssertionError("the probe never steps")

    async def astep(self, conversation, on_event, on_token=None):
        raise AssertionError("the probe never steps")


class Probe(LocalConversation):
    """A LocalConversation (its `arun` native, `isinstance` holds) that
    records which entry the dispatch code took instead of running it."""

    def run(self):
        self.taken.append("run")

    async def arun(self):
        self.taken.append("arun")


def probe(agent_class):
    conversation = Probe.__new__(Probe)
    conversation.taken = []
    conversation.agent = agent_class.model_construct()
    return conversation


def entry_points(module):
    for name, value in vars(module).items():
        if getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.iscoroutinefunction(value):
            params = list(inspect.signature(value).parameters)
            if params and set(params) <= {"conversation", "loop"}:
                yield name, value, lambda conversation, f=value, params=params: call(f, params, conversation)
        elif inspect.isclass(value) and "__init__" in vars(value):
            params = list(inspect.signature(value.__init__).parameters)[1:]
            if params[:1] != ["conversation"]:
                continue
            for method_name, method in vars(value).items():
                if inspect.iscoroutinefunction(method):
                    yield (
                        f"{name}.{method_name}",
                        method,
                        lambda conversation, cls=value, m=method_name: call_method(cls, m, conversation),
                    )


async def call(function, params, conversation):
    loop = asyncio.get_running_loop()
    args = {"conversation": conversation, "loop": loop}
    await function(**{p: args[p] for p in params})


async def call_method(cls, name, conversation):
    obj = cls(conversation)
    for other, method in vars(cls).items():
        if other.startswith("_") or inspect.iscoroutinefunction(method) or not callable(method):
            continue
        if len(inspect.signature(method).parameters) == 1:
            method(obj)
    method = getattr(obj, name)
    params = list(inspect.signature(method).parameters)
    await method(**({"conversation": conversation} if params == ["conversation"] else {}))


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"fixture_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    report = {}
    for arg in sys.argv[1:]:
        path = Path(arg)
        module = load(path)
        found = {}
        for name, function, run in entry_points(module):
            lines, first = inspect.getsourcelines(function)
            taken = {}
            for label, agent in (("sync_only_agent", SyncOnlyAgent), ("native_agent", NativeAgent)):
                conversation = probe(agent)
                asyncio.run(run(conversation))
                taken[label] = conversation.taken[-1] if conversation.taken else "none"
            found[name] = {"lines": [first, first + len(lines) - 1], **taken}
        report[arg] = found
    json.dump(report, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
