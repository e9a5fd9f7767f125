use dispatchlint_runtime::{conversation, Agent, BoxError, ConversationState};

struct Echo;

#[conversation]
impl Agent for Echo {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        state.finished = true;
        Ok(())
    }
}

fn main() {}
