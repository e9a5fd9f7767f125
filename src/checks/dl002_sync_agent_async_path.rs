//! DL002 sync-agent-async-path: a driver that overrides its async entry (a
//! conversation's `arun`), holding a driven object that only inherits its
//! async entry (an agent's `astep`), run on the async path: `route()` sends
//! the pair to the sync path because of the driven object, and the call
//! awaits the driver's async entry anyway.

use super::{Context, Finding, Label, Rule, Severity};
use crate::model::{EntryCall, Value};
use crate::packs::DefaultKind;
use crate::semantic::dispatch::{awaited_off_route, SyncOnly};
use crate::semantic::values::{functions, role_pairs, root_name, At, RolePair, Typed, Values};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL002",
    name: "sync-agent-async-path",
    summary: "a driver run on the async path while what it drives is sync-only",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL002.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let pairs = role_pairs(cx);
    let mut findings = Vec::new();
    for (file, function) in functions(cx) {
        let values = Values {
            cx,
            file,
            function,
            pairs: &pairs,
        };
        for call in &function.entry_calls {
            for pair in pairs.iter().filter(|p| !p.driven_inline()) {
                if call.method != pair.driver.async_ {
                    continue;
                }
                let Some(driver) = values.typed(&call.receiver, At::call(call)) else {
                    continue;
                };
                let driven = match pair.same_object() {
                    true => &driver,
                    false => match driver.held(pair.attr) {
                        Some(driven) => driven,
                        None => continue,
                    },
                };
                let off_route = awaited_off_route(
                    values.verdict(&driver.key, pair.driver),
                    values.verdict(&driven.key, pair.driven),
                );
                if off_route != Some(SyncOnly::Agent) {
                    continue;
                }
                findings.push(finding(cx, &values, call, pair, &driver, driven));
            }
        }
    }
    findings
}

fn finding(
    cx: &Context<'_>,
    values: &Values<'_>,
    call: &EntryCall,
    pair: &RolePair<'_>,
    driver: &Typed,
    driven: &Typed,
) -> Finding {
    let driver_name = values.name(&driver.key);
    let driven_name = values.name(&driven.key);
    let (driver_noun, driven_noun) = (&pair.driver.name, &pair.driven.name);
    let (arun, run) = (&pair.driver.async_, &pair.driver.sync);
    let (astep, step) = (&pair.driven.async_, &pair.driven.sync);
    let driven_root = root_name(cx, pair.driven);
    let receiver = match &call.receiver {
        Value::Path(path) => path.join("."),
        _ => driver_noun.clone(),
    };
    let mut labels = Vec::new();
    if let Some(origin) = driver.origin {
        let with = match pair.same_object() {
            true => String::new(),
            false => format!(" with `{driven_name}`"),
        };
        labels.push(Label {
            location: origin,
            message: format!("`{driver_name}` is built here{with}"),
        });
    }
    if let (Some(origin), false) = (driven.origin, pair.same_object()) {
        labels.push(Label {
            location: origin,
            message: format!("`{driven_name}` only inherits `{driven_root}.{astep}`"),
        });
    }
    let awaited = match pair.same_object() {
        true => format!("its own `{astep}`"),
        false => format!("`{astep}` of its {driven_noun}"),
    };
    let consequence = match pair.driven.default {
        Some(DefaultKind::Raises) => format!("its default raises instead of running `{step}()`"),
        _ if pair.same_object() => {
            format!("its sync `{step}()` runs on a worker thread, not on the event loop")
        }
        _ => format!(
            "its sync `{step}()` and every callback it fires run on a worker thread while the {driver_noun}'s async loop holds its state"
        ),
    };
    Finding {
        fix: None,
        code: RULE.code,
        file: values.file,
        location: call.location,
        message: format!(
            "`{driver_name}.{arun}` awaits {awaited}, but `{driven_name}` only inherits `{driven_root}.{astep}`: {consequence}"
        ),
        help: format!(
            "run `{receiver}` on the sync path (`await loop.run_in_executor(None, {receiver}.{run})`), or implement `{astep}` natively on `{driven_name}`"
        ),
        labels,
    }
}
