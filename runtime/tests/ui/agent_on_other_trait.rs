use dispatchlint_runtime::agent;

#[derive(Debug)]
struct Echo;

#[agent]
impl std::fmt::Display for Echo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("echo")
    }
}

fn main() {}
