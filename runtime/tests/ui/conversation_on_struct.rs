use dispatchlint_runtime::conversation;

#[conversation]
pub struct Chat;

fn main() {}
