use dispatchlint_runtime::{
    agent, Agent, BoxError, CancellationToken, Conversation, ConversationState,
};

struct Chat {
    agent: Box<dyn Agent>,
}

#[agent]
impl Conversation for Chat {
    fn agent(&self) -> &dyn Agent {
        &*self.agent
    }

    fn run(&self, _: &mut ConversationState, _: &CancellationToken) -> Result<(), BoxError> {
        Ok(())
    }
}

fn main() {}
