//! What the reference dispatcher (`route()` of the runtime crate) decides for
//! a conversation and an agent whose verdicts the analysis knows: the checks
//! and `audit` judge a call against this, never against a copy of its rule.

use dispatchlint_runtime::{route, Capability, Route};

use crate::hierarchy::Verdict;

/// The route `route()` takes for every capability the two sides may have:
/// `None` when it depends on a side the analysis could not decide. An
/// unknown agent does not matter when the conversation is sync-only.
pub fn route_of(conversation: Option<Verdict>, agent: Option<Verdict>) -> Option<Route> {
    let sides = |verdict: Option<Verdict>| match verdict.and_then(Verdict::capability) {
        Some(known) => vec![known],
        None => Capability::ALL.to_vec(),
    };
    let (conversations, agents) = (sides(conversation), sides(agent));
    let mut routes = conversations
        .iter()
        .flat_map(|&c| agents.iter().map(move |&a| route(c, a)));
    let first = routes.next()?;
    routes.all(|r| r == first).then_some(first)
}

/// Why awaiting the conversation's async entry is not what the dispatcher
/// would do: the side `route()` sends to the sync path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncOnly {
    /// Its async entry only calls the sync one, on the event loop (DL003).
    Conversation,
    /// The conversation is native, but its agent's async step only hands
    /// the sync step to a worker thread (DL002).
    Agent,
}

/// A call that awaits the conversation's async entry takes the native path;
/// when `route()` would not, which side makes it wrong.
pub fn awaited_off_route(
    conversation: Option<Verdict>,
    agent: Option<Verdict>,
) -> Option<SyncOnly> {
    if route_of(conversation, agent) != Some(Route::SyncInExecutor) {
        return None;
    }
    match (conversation, agent) {
        (Some(Verdict::Inherited), _) => Some(SyncOnly::Conversation),
        (Some(Verdict::Native), Some(Verdict::Inherited)) => Some(SyncOnly::Agent),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Option<Verdict>; 4] = [
        Some(Verdict::Native),
        Some(Verdict::Inherited),
        Some(Verdict::Unknown),
        None,
    ];

    #[test]
    fn decided_only_when_every_possibility_agrees() {
        use Verdict::*;
        assert_eq!(
            route_of(Some(Native), Some(Native)),
            Some(Route::NativeAsync)
        );
        assert_eq!(
            route_of(Some(Native), Some(Inherited)),
            Some(Route::SyncInExecutor)
        );
        assert_eq!(
            route_of(Some(Inherited), Some(Unknown)),
            Some(Route::SyncInExecutor)
        );
        assert_eq!(route_of(Some(Inherited), None), Some(Route::SyncInExecutor));
        assert_eq!(route_of(Some(Native), None), None);
        assert_eq!(route_of(Some(Unknown), Some(Native)), None);
        assert_eq!(route_of(None, Some(Inherited)), Some(Route::SyncInExecutor));
    }

    #[test]
    fn off_route_blames_the_side_route_sends_to_the_sync_path() {
        use Verdict::*;
        for agent in ALL {
            assert_eq!(
                awaited_off_route(Some(Inherited), agent),
                Some(SyncOnly::Conversation)
            );
        }
        assert_eq!(
            awaited_off_route(Some(Native), Some(Inherited)),
            Some(SyncOnly::Agent)
        );
        for agent in [Some(Native), Some(Unknown), None] {
            assert_eq!(awaited_off_route(Some(Native), agent), None);
        }
        // A conversation the analysis could not decide is never blamed on
        // its agent: its async entry may not await the agent at all.
        for conversation in [Some(Unknown), None] {
            for agent in ALL {
                assert_eq!(awaited_off_route(conversation, agent), None);
            }
        }
    }
}
