use dispatchlint_runtime::{agent, BoxError, ConversationState};

#[agent]
fn step(state: &mut ConversationState) -> Result<(), BoxError> {
    state.finished = true;
    Ok(())
}

fn main() {}
