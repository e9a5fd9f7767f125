//! The rule, written once: the analyzer links this module with no default
//! features, so it must stay free of dependencies and of runtime types.

use std::fmt;
use std::str::FromStr;

/// Whether a type provides its own async entry for a role (`astep` for an
/// agent, `arun` for a conversation) or only has the sync one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// The type implements the async entry itself.
    Native,
    /// The type has only the sync entry; running it asynchronously means
    /// running the sync entry somewhere that may block.
    Inherited,
}

impl Capability {
    /// Every capability, for exhaustive tables.
    pub const ALL: [Capability; 2] = [Capability::Native, Capability::Inherited];

    /// The spelling used in diagnostics, JSON and traces.
    pub const fn as_str(self) -> &'static str {
        match self {
            Capability::Native => "native",
            Capability::Inherited => "inherited",
        }
    }

    /// `Native` for `true`, so callers can write `Capability::from_native(x.as_async().is_some())`.
    pub const fn from_native(native: bool) -> Capability {
        if native {
            Capability::Native
        } else {
            Capability::Inherited
        }
    }

    pub const fn is_native(self) -> bool {
        matches!(self, Capability::Native)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a (conversation, agent) pair must run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// Await the conversation's async entry on the event loop.
    NativeAsync,
    /// Run the conversation's sync entry on a thread that may block, so the
    /// event loop never holds the conversation's lock while a sync step runs.
    SyncInExecutor,
}

impl Route {
    pub const ALL: [Route; 2] = [Route::NativeAsync, Route::SyncInExecutor];

    pub const fn as_str(self) -> &'static str {
        match self {
            Route::NativeAsync => "native-async",
            Route::SyncInExecutor => "sync-in-executor",
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Capability`] or [`Route`] from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    expected: &'static str,
    found: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found `{}`", self.expected, self.found)
    }
}

impl std::error::Error for ParseError {}

impl FromStr for Capability {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Capability::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| ParseError {
                expected: "`native` or `inherited`",
                found: s.to_owned(),
            })
    }
}

impl FromStr for Route {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Route::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ParseError {
                expected: "`native-async` or `sync-in-executor`",
                found: s.to_owned(),
            })
    }
}

/// The route of a (conversation, agent) pair: native async only when both are
/// native.
///
/// Testing only the conversation is the OpenHands bug: a conversation whose
/// async entry awaits a sync-only agent's default async step moves that step
/// to a worker thread while the event loop holds the conversation's lock.
pub const fn route(conversation: Capability, agent: Capability) -> Route {
    match (conversation, agent) {
        (Capability::Native, Capability::Native) => Route::NativeAsync,
        _ => Route::SyncInExecutor,
    }
}

/// Why [`route`] chose what it chose, in words fit for a trace or a
/// diagnostic.
pub const fn reason(conversation: Capability, agent: Capability) -> &'static str {
    match (conversation, agent) {
        (Capability::Native, Capability::Native) => "conversation and agent are both native",
        (Capability::Native, Capability::Inherited) => {
            "agent is sync-only: its step must not run under the event loop's lock"
        }
        (Capability::Inherited, Capability::Native) => {
            "conversation is sync-only: its arun would run run() on the event loop"
        }
        (Capability::Inherited, Capability::Inherited) => {
            "conversation and agent are both sync-only"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_is_native_only_when_both_are_native() {
        use Capability::*;
        let table = [
            (Native, Native, Route::NativeAsync),
            (Native, Inherited, Route::SyncInExecutor),
            (Inherited, Native, Route::SyncInExecutor),
            (Inherited, Inherited, Route::SyncInExecutor),
        ];
        // The table must cover the whole domain, so a new variant cannot slip
        // past it.
        assert_eq!(table.len(), Capability::ALL.len() * Capability::ALL.len());
        for conversation in Capability::ALL {
            for agent in Capability::ALL {
                let expected = table
                    .iter()
                    .find(|(c, a, _)| *c == conversation && *a == agent)
                    .map(|(_, _, r)| *r)
                    .expect("every pair is in the table");
                assert_eq!(
                    route(conversation, agent),
                    expected,
                    "{conversation}/{agent}"
                );
            }
        }
    }

    #[test]
    fn every_pair_has_its_own_reason() {
        let mut reasons: Vec<_> = Capability::ALL
            .into_iter()
            .flat_map(|c| Capability::ALL.into_iter().map(move |a| reason(c, a)))
            .collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), 4);
    }

    #[test]
    fn spellings_round_trip() {
        assert_eq!(Route::NativeAsync.to_string(), "native-async");
        assert_eq!(Route::SyncInExecutor.to_string(), "sync-in-executor");
        for r in Route::ALL {
            assert_eq!(r.to_string().parse::<Route>(), Ok(r));
        }
        for c in Capability::ALL {
            assert_eq!(c.to_string().parse::<Capability>(), Ok(c));
        }
        assert!("async".parse::<Route>().is_err());
        assert_eq!(Capability::from_native(true), Capability::Native);
        assert_eq!(Capability::from_native(false), Capability::Inherited);
    }
}
