use dispatchlint_runtime::agent;

#[agent]
struct NotAnImpl {
    steps: u32,
}

fn main() {}
