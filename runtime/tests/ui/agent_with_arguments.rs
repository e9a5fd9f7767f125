use dispatchlint_runtime::{agent, Agent, BoxError, ConversationState};

struct Echo;

#[agent(native)]
impl Agent for Echo {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        state.finished = true;
        Ok(())
    }
}

fn main() {}
