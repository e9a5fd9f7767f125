//! DL006 raising-async-override: an override of a role's async entry whose
//! body only raises `NotImplementedError`, where what it hides works: the
//! root's default (which runs the sync entry in a thread or inline) or an
//! implementation further up. The framework's async path (`ainvoke`,
//! `achat`, `astep`) awaits it and fails, where without it it would run.

use crate::fix::{Edit, Fix};
use crate::hierarchy::{TypeKey, Verdict};
use crate::model::Language;
use crate::packs::DefaultKind;
use crate::semantic::overrides::{hidden_working, sync_entry_works, Hidden};
use crate::semantic::values::{python_files, root_name};

use super::{Context, Finding, Label, Rule, Severity};

/// The rule, declared once: code, name, summary, severity, docs and check.
pub const RULE: Rule = Rule {
    code: "DL006",
    name: "raising-async-override",
    summary: "an async override that only raises `NotImplementedError` where the default works",
    severity: Severity::Error,
    docs: include_str!("../../rules/docs/DL006.md"),
    check: Some(check),
};

pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let hierarchy = &cx.hierarchy;
    for (file_id, file) in python_files(cx) {
        for function in &file.functions {
            let (Some(class), Some(raised), true) =
                (function.class, function.raises, function.is_async)
            else {
                continue;
            };
            let key = TypeKey::Source(file_id, class);
            let roles = hierarchy
                .roles
                .iter()
                .filter(|r| r.language == Language::Python && r.async_ == function.name);
            for role in roles {
                if key == role.root {
                    continue;
                }
                // The override must be what applies: a definition under a
                // condition leaves the class's verdict unknown.
                let applies = hierarchy.capability(&key, role).is_some_and(|c| {
                    c.verdict == Verdict::Native && c.provider == Some(key.clone())
                });
                if !applies {
                    continue;
                }
                let Some(hidden) = hidden_working(cx, &key, role) else {
                    continue;
                };
                if !sync_entry_works(cx, &key, role) {
                    continue;
                }
                let class_name = &file.classes[class].name;
                let (astep, step) = (&role.async_, &role.sync);
                let (who, does) = match hidden {
                    Hidden::Default(kind) => (
                        format!("the inherited `{}.{astep}`", root_name(cx, role)),
                        match kind {
                            DefaultKind::Inline => format!("would call `{step}` on the event loop"),
                            _ => format!("would run `{step}` in a worker thread"),
                        },
                    ),
                    Hidden::Implementation(provider) => (
                        format!("the inherited `{}.{astep}`", short(cx, &provider)),
                        "would run".to_owned(),
                    ),
                };
                // Unsafe: another method runs than the author wrote, and a
                // class whose body held only this override gets a `pass`.
                let alone = file.classes[class].members.len() == 1;
                let fix = Fix::unsafe_(
                    format!("remove the `{astep}` override"),
                    vec![Edit {
                        location: function.span,
                        content: if alone { "pass".into() } else { String::new() },
                    }],
                );
                findings.push(Finding {
                    fix: Some(fix),
                    code: RULE.code,
                    file: file_id,
                    location: function.location,
                    message: format!(
                        "`{class_name}.{astep}` only raises `NotImplementedError`: every async use of it fails, where without this override {who} {does}"
                    ),
                    help: format!(
                        "remove this `{astep}` override so that {who} applies, or implement it"
                    ),
                    labels: vec![Label {
                        location: raised,
                        message: "the whole body raises here".into(),
                    }],
                });
                // One finding (and one removal) per override, whichever
                // role it was found through.
                break;
            }
        }
    }
    findings
}

fn short(cx: &Context<'_>, key: &TypeKey) -> String {
    match key {
        TypeKey::Source(file, class) => cx.analysis.files[*file].classes[*class].name.clone(),
        other => cx
            .analysis
            .qualname(other)
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}
