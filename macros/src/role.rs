//! The two roles the attributes serve. Everything that differs between
//! `#[agent]` and `#[conversation]` is here, so the expansion is written once.

pub(crate) struct Role {
    /// The attribute's name, for error messages.
    pub attribute: &'static str,
    /// The trait the attribute must be put on.
    pub sync_trait: &'static str,
    /// The trait the async entry moves to.
    pub async_trait: &'static str,
    pub async_entry: &'static str,
    /// The hidden inherent const that records the block's methods.
    pub methods_const: &'static str,
}

pub(crate) const AGENT: Role = Role {
    attribute: "agent",
    sync_trait: "Agent",
    async_trait: "AsyncAgent",
    async_entry: "astep",
    methods_const: "__DISPATCHLINT_AGENT_METHODS",
};

pub(crate) const CONVERSATION: Role = Role {
    attribute: "conversation",
    sync_trait: "Conversation",
    async_trait: "AsyncConversation",
    async_entry: "arun",
    methods_const: "__DISPATCHLINT_CONVERSATION_METHODS",
};

impl Role {
    /// The other role, when someone puts one role's attribute on the other's
    /// impl.
    pub(crate) fn sibling(&self) -> &'static Role {
        if self.sync_trait == AGENT.sync_trait {
            &CONVERSATION
        } else {
            &AGENT
        }
    }
}
