"""The B5 guard of the OpenHands agent server written fourteen ways, buggy (no agent
test) and fixed (with it), in copies of the software-agent-sdk repository:
prints how many DL001 findings each copy gets.

    python3 bench/b5_guards.py target/release/dispatchlint PATH/TO/software-agent-sdk
"""
import pathlib, shutil, subprocess, sys, tempfile
SRC = pathlib.Path(sys.argv[2])
REL = "openhands-agent-server/openhands/agent_server/event_service.py"
text = (SRC / REL).read_text()
start = text.index('                    arun = getattr(conversation, "arun", None)\n')
end = text.index('                    else:\n                        await loop.run_in_executor(self._run_executor, conversation.run)\n', start)
I = " " * 20
AG = "type(conversation.agent).astep is not AgentBase.astep"
def guard(test): return f"{I}if {test}:\n{I}    await conversation.arun()\n"
shapes = {
 "inline": (lambda a: guard("type(conversation).arun is not BaseConversation.arun" + a), ""),
 "iscoroutinefunction": (lambda a: guard("inspect.iscoroutinefunction(type(conversation).arun)" + a), ""),
 "getattr-identity": (lambda a: guard('getattr(type(conversation), "arun") is not BaseConversation.arun' + a), ""),
 "module-helper": (lambda a: guard("_native(conversation)"), "helper"),
 "match-capability": (lambda a: f"{I}match type(conversation).arun is not BaseConversation.arun{a}:\n{I}    case True:\n{I}        await conversation.arun()\n{I}    case _:\n{I}        await loop.run_in_executor(self._run_executor, conversation.run)\n", "match"),
 "attr-in-start": (lambda a: guard("self._native_arun"), "attr"),
 "isinstance": (lambda a: guard("isinstance(conversation, LocalConversation)" + a), ""),
 "match-class": (lambda a: f"{I}match conversation:\n{I}    case LocalConversation(){(' if ' + AG) if a else ''}:\n{I}        await conversation.arun()\n{I}    case _:\n{I}        await loop.run_in_executor(self._run_executor, conversation.run)\n", "match"),
 "walrus": (lambda a: guard("(native := type(conversation).arun is not BaseConversation.arun" + a + ")"), ""),
 "staticmethod": (lambda a: guard("self._is_native(conversation)"), "static"),
 "module-constant": (lambda a: guard("USE_ASYNC" + a), "constant"),
 "constant-tuple": (lambda a: guard("isinstance(conversation, _NATIVE_CONVERSATIONS)" + a), "constant"),
 "issubclass": (lambda a: guard("issubclass(type(conversation), LocalConversation)" + a), ""),
 "attr-reset-to-true": (lambda a: guard("self._native_arun"), "attr-reset"),
}
results = {}
for name, (make, extra) in shapes.items():
    for fixed in (False, True):
        a = f" and {AG}" if fixed else ""
        body = make(a)
        t = text[:start] + body
        rest = text[end:]
        if extra == "match":
            rest = rest[len('                    else:\n                        await loop.run_in_executor(self._run_executor, conversation.run)\n'):]
        t = t + rest
        if extra == "helper":
            t += f"\n\ndef _native(conv) -> bool:\n    return type(conv).arun is not BaseConversation.arun{' and type(conv.agent).astep is not AgentBase.astep' if fixed else ''}\n"
        if extra == "static":
            t = t.replace("    async def _get_execution_status(", f"    @staticmethod\n    def _is_native(conv):\n        return type(conv).arun is not BaseConversation.arun{' and type(conv.agent).astep is not AgentBase.astep' if fixed else ''}\n\n    async def _get_execution_status(", 1)
        if extra == "constant":
            t += "\n\nUSE_ASYNC = inspect.iscoroutinefunction(LocalConversation.arun)\n_NATIVE_CONVERSATIONS = (LocalConversation,)\n"
        if extra == "attr-reset":
            t = t.replace("    async def _get_execution_status(", "    def _reset_dispatch(self):\n        self._native_arun = True\n\n    async def _get_execution_status(", 1)
        if extra in ("attr", "attr-reset"):
            t = t.replace("            # Capture conversation reference for the closure\n            conversation = self._conversation\n",
                          f"            # Capture conversation reference for the closure\n            conversation = self._conversation\n            self._native_arun = type(conversation).arun is not BaseConversation.arun{(' and ' + AG) if fixed else ''}\n", 1)
        if "import inspect" not in t: t = "import inspect\n" + t
        if "LocalConversation" not in t.split("class EventService")[0]:
            t = t.replace("from openhands.sdk import", "from openhands.sdk import LocalConversation,\nfrom openhands.sdk import", 1) if False else "from openhands.sdk import LocalConversation\n" + t
        d = pathlib.Path(tempfile.gettempdir()) / (f"dl-b5-{name}-{'fixed' if fixed else 'buggy'}")
        if d.exists(): shutil.rmtree(d)
        shutil.copytree(SRC, d, symlinks=True)
        (d / REL).write_text(t)
        compile(t, str(d / REL), "exec")
        out = subprocess.run([sys.argv[1], "check", "--no-cache", "--isolated", "--output-format", "concise", "--select", "DL001", str(d)], capture_output=True, text=True).stdout
        n = out.count(" DL001 ")
        results[(name, fixed)] = n
        shutil.rmtree(d)
for name in shapes:
    print(f"{name:22} buggy: {results[(name, False)]}  fixed: {results[(name, True)]}")
