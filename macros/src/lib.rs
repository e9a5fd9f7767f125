//! `#[agent]` and `#[conversation]` for `dispatchlint-runtime`: write the
//! async entry next to the sync one in a single impl block, and the macro
//! splits it into the async trait's impl and makes `as_async` say so. A type
//! can then never claim a native async entry it does not have, nor have one
//! that `as_async` hides.
//!
//! Use them through `dispatchlint_runtime`, which re-exports them; the
//! generated code names that crate by absolute path.

mod expand;
mod role;

use proc_macro::TokenStream;

/// On `impl Agent for X { fn step(..) .. async fn astep(..) .. }`: moves
/// `astep` into a generated `impl AsyncAgent for X` and makes `as_async`
/// return `Some(self)`. Without `astep` the impl is left as written. Either
/// way `X::__DISPATCHLINT_AGENT_METHODS` lists the methods the block defines.
#[proc_macro_attribute]
pub fn agent(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(&role::AGENT, attr.into(), item.into()).into()
}

/// On `impl Conversation for X { .. async fn arun(..) .. }`: moves `arun`
/// into a generated `impl AsyncConversation for X` and makes `as_async`
/// return `Some(self)`. `X::__DISPATCHLINT_CONVERSATION_METHODS` lists the
/// methods the block defines.
#[proc_macro_attribute]
pub fn conversation(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(&role::CONVERSATION, attr.into(), item.into()).into()
}
