use dispatchlint_runtime::{
    conversation, Agent, AsyncConversation, BoxError, CancellationToken, Conversation,
    ConversationState,
};

struct Chat {
    agent: Box<dyn Agent>,
}

#[conversation]
impl Conversation for Chat {
    fn agent(&self) -> &dyn Agent {
        &*self.agent
    }

    fn run(&self, _: &mut ConversationState, _: &CancellationToken) -> Result<(), BoxError> {
        Ok(())
    }

    fn as_async(&self) -> Option<&dyn AsyncConversation> {
        None
    }
}

fn main() {}
