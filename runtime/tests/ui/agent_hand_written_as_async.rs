use dispatchlint_runtime::{agent, Agent, AsyncAgent, BoxError, ConversationState};

struct Echo;

#[agent]
impl Agent for Echo {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        state.finished = true;
        Ok(())
    }

    fn as_async(&self) -> Option<&dyn AsyncAgent> {
        None
    }
}

fn main() {}
