use dispatchlint_runtime::{
    conversation, Agent, BoxError, CancellationToken, Conversation, ConversationState,
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

    fn arun(&self, state: &mut ConversationState, cancel: &CancellationToken) -> Result<(), BoxError> {
        self.run(state, cancel)
    }
}

fn main() {}
