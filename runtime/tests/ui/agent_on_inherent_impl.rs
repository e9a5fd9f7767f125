use dispatchlint_runtime::{agent, BoxError, ConversationState};

struct Echo;

#[agent]
impl Echo {
    fn step(&self, state: &mut ConversationState) -> Result<(), BoxError> {
        state.finished = true;
        Ok(())
    }
}

fn main() {}
