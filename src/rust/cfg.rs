//! `#[cfg(...)]` predicates, decided where the run knows the answer: a
//! `feature = "x"` when the user said which features are on (through
//! `cargo dispatchlint --features ...`); everything else (`test`,
//! `target_os`, ...) stays undecided and is named in the verdict's reason.

use std::collections::BTreeSet;

/// `Some(true)` / `Some(false)` when decided, `None` when not.
pub fn eval(cfg: &str, features: Option<&BTreeSet<String>>) -> Option<bool> {
    let meta: syn::Meta = syn::parse_str(cfg).ok()?;
    eval_meta(&meta, features)
}

fn eval_meta(meta: &syn::Meta, features: Option<&BTreeSet<String>>) -> Option<bool> {
    match meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("feature") => {
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(name),
                ..
            }) = &nv.value
            else {
                return None;
            };
            features.map(|f| f.contains(&name.value()))
        }
        syn::Meta::List(list) => {
            let name = list.path.get_ident()?.to_string();
            let inner: Vec<syn::Meta> = list
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                )
                .ok()?
                .into_iter()
                .collect();
            let values: Vec<Option<bool>> = inner.iter().map(|m| eval_meta(m, features)).collect();
            match name.as_str() {
                "not" if values.len() == 1 => values[0].map(|v| !v),
                "all" if values.contains(&Some(false)) => Some(false),
                "all" if values.iter().all(Option::is_some) => Some(true),
                "any" if values.contains(&Some(true)) => Some(true),
                "any" if values.iter().all(Option::is_some) => Some(false),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_decide_only_feature_predicates() {
        let on: BTreeSet<String> = ["stream".to_owned()].into();
        assert_eq!(eval(r#"feature = "stream""#, Some(&on)), Some(true));
        assert_eq!(eval(r#"feature = "other""#, Some(&on)), Some(false));
        assert_eq!(eval(r#"feature = "stream""#, None), None);
        assert_eq!(eval("test", Some(&on)), None);
        assert_eq!(eval(r#"not(feature = "stream")"#, Some(&on)), Some(false));
        assert_eq!(
            eval(r#"all(test, feature = "other")"#, Some(&on)),
            Some(false)
        );
        assert_eq!(eval(r#"all(test, feature = "stream")"#, Some(&on)), None);
        assert_eq!(
            eval(r#"any(test, feature = "stream")"#, Some(&on)),
            Some(true)
        );
    }
}
