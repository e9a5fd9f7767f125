use dispatchlint_runtime::{agent, Agent, BoxError, ConversationState};

struct Echo;

#[agent]
impl Agent for Echo {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        state.finished = true;
        Ok(())
    }

    fn astep(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        self.step(state)
    }
}

fn main() {}
