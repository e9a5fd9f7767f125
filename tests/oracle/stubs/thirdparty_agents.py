"""Stub of an unresolvable third-party module whose mixin derives from the agent root and
overrides astep. A class (StepOnly, VendorAsyncMixin) therefore gets
VendorAsyncMixin.astep from C3, although StepOnly is listed first."""

from openhands.sdk import AgentBase


class VendorAsyncMixin(AgentBase):
    async def astep(self, conversation, on_event, on_token=None):
        on_event("vendor")
