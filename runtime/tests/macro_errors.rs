//! Every misuse of `#[agent]` and `#[conversation]` is a compile error that
//! points at the offending item; the expected messages are the committed
//! `ui/*.stderr` files (regenerate with `TRYBUILD=overwrite`, then read them).
#![cfg(feature = "dispatcher")]

#[test]
fn macro_misuse_is_a_compile_error_at_the_offending_item() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
