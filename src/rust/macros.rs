//! Enough of `macro_rules!` to see the items a declarative macro writes:
//! its rules are tried in order against an invocation's tokens (fragments
//! `ident`, `tt`, `lifetime`, `literal`, and the ones syn can parse: `ty`,
//! `path`, `expr`, `pat`, `block`, `item`, `stmt`, `vis`, `meta`;
//! repetitions `$( ... ) sep? * + ?`, nested), and the first that matches
//! is transcribed. What cannot be expanded says why, and the verdicts that
//! depend on it are `unknown` with that reason.

use std::collections::HashMap;

use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};

/// One rule: matcher and transcriber, without their outer delimiters.
#[derive(Clone, Debug)]
pub struct Rule {
    matcher: Vec<TokenTree>,
    transcriber: Vec<TokenTree>,
}

/// The rules of a `macro_rules!` body, or why they could not be read.
pub fn rules(body: TokenStream) -> Result<Vec<Rule>, String> {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut rules = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (
            Some(TokenTree::Group(matcher)),
            Some(TokenTree::Punct(eq)),
            Some(TokenTree::Punct(gt)),
            Some(TokenTree::Group(transcriber)),
        ) = (
            tokens.get(i),
            tokens.get(i + 1),
            tokens.get(i + 2),
            tokens.get(i + 3),
        )
        else {
            return Err("its rules are not of the form `(...) => {...}`".into());
        };
        if eq.as_char() != '=' || gt.as_char() != '>' {
            return Err("its rules are not of the form `(...) => {...}`".into());
        }
        rules.push(Rule {
            matcher: matcher.stream().into_iter().collect(),
            transcriber: transcriber.stream().into_iter().collect(),
        });
        i += 4;
        if matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            i += 1;
        }
    }
    Ok(rules)
}

/// The rules with every token of their transcribers placed at `span`: the
/// items a macro from another file writes are located at its invocation.
pub fn respan(rules: &[Rule], span: proc_macro2::Span) -> Vec<Rule> {
    fn tokens(list: &[TokenTree], span: proc_macro2::Span) -> Vec<TokenTree> {
        list.iter()
            .map(|token| match token {
                TokenTree::Group(g) => {
                    let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                    let mut new =
                        Group::new(g.delimiter(), tokens(&inner, span).into_iter().collect());
                    new.set_span(span);
                    TokenTree::Group(new)
                }
                other => {
                    let mut other = other.clone();
                    other.set_span(span);
                    other
                }
            })
            .collect()
    }
    rules
        .iter()
        .map(|rule| Rule {
            matcher: rule.matcher.clone(),
            transcriber: tokens(&rule.transcriber, span),
        })
        .collect()
}

/// The names a macro's transcribers write as they are, not through a `$`
/// variable: the types they define (`struct Made;`) and the types they
/// implement traits for (`impl Trait for Fixed`). Where an invocation cannot
/// be expanded, these are the types whose verdicts it may change.
pub fn written_names(rules: &[Rule]) -> (Vec<String>, Vec<String>) {
    let mut defined = Vec::new();
    let mut implemented = Vec::new();
    // Each token list on its own, so that a path never runs into a group;
    // a work list, not recursion: the transcriber may be hostile.
    let mut work: Vec<Vec<TokenTree>> = rules.iter().map(|r| r.transcriber.clone()).collect();
    while let Some(flat) = work.pop() {
        let ident = |i: usize| match flat.get(i) {
            Some(TokenTree::Ident(name)) => Some(name.to_string()),
            _ => None,
        };
        let dollar =
            |i: usize| matches!(flat.get(i), Some(TokenTree::Punct(p)) if p.as_char() == '$');
        let mut after_impl = false;
        for i in 0..flat.len() {
            if let TokenTree::Group(g) = &flat[i] {
                work.push(g.stream().into_iter().collect());
                continue;
            }
            let Some(word) = ident(i) else {
                continue;
            };
            let prefixed = i > 0 && dollar(i - 1);
            match word.as_str() {
                "struct" | "enum" | "union" if !prefixed => {
                    if let Some(name) = ident(i + 1) {
                        push_new(&mut defined, name);
                    }
                }
                "impl" if !prefixed => after_impl = true,
                "for" if after_impl => {
                    after_impl = false;
                    // The last segment of the self type's path, unless a
                    // variable writes any of it (the invocation names it).
                    let mut last = None;
                    let mut segment = true;
                    for token in &flat[i + 1..] {
                        match token {
                            TokenTree::Punct(p) if p.as_char() == '$' => {
                                last = None;
                                break;
                            }
                            TokenTree::Punct(p) if p.as_char() == ':' => segment = true,
                            TokenTree::Ident(name) if segment => {
                                last = Some(name.to_string());
                                segment = false;
                            }
                            _ => break,
                        }
                    }
                    if let Some(name) = last {
                        push_new(&mut implemented, name);
                    }
                }
                _ => {}
            }
        }
    }
    (defined, implemented)
}

fn push_new(list: &mut Vec<String>, name: String) {
    if !list.contains(&name) {
        list.push(name);
    }
}

/// How many tokens a stream holds, at every depth, and how deeply its
/// groups nest (an explicit stack: the stream may be hostile).
pub fn size(stream: &TokenStream) -> (usize, usize) {
    let mut count = 0;
    let mut deepest = 0;
    let mut stack = vec![(stream.clone().into_iter(), 1usize)];
    while let Some((tokens, depth)) = stack.last_mut() {
        let depth = *depth;
        let Some(token) = tokens.next() else {
            stack.pop();
            continue;
        };
        count += 1;
        deepest = deepest.max(depth);
        if let TokenTree::Group(g) = token {
            stack.push((g.stream().into_iter(), depth + 1));
        }
    }
    (count, deepest)
}

/// The tokens an invocation with `input` expands to.
pub fn expand(rules: &[Rule], input: TokenStream) -> Result<TokenStream, String> {
    let input: Vec<TokenTree> = input.into_iter().collect();
    for rule in rules {
        let mut bindings = Bindings::new();
        if let Some(end) = match_seq(&rule.matcher, &input, 0, &mut bindings)? {
            if end == input.len() {
                let mut out = Vec::new();
                transcribe(&rule.transcriber, &bindings, &[], &mut out)?;
                return Ok(out.into_iter().collect());
            }
        }
    }
    Err("no rule of the macro matches this invocation".into())
}

#[derive(Clone, Debug)]
enum Capture {
    One(Vec<TokenTree>),
    Seq(Vec<Bindings>),
}

type Bindings = HashMap<String, Capture>;

/// Matches `matcher` against `input[start..]`; the position after the match.
/// An unsupported matcher is an error, a mismatch is `Ok(None)`.
fn match_seq(
    matcher: &[TokenTree],
    input: &[TokenTree],
    start: usize,
    bindings: &mut Bindings,
) -> Result<Option<usize>, String> {
    let mut pos = start;
    let mut m = 0;
    while m < matcher.len() {
        match &matcher[m] {
            TokenTree::Punct(dollar) if dollar.as_char() == '$' => match matcher.get(m + 1) {
                Some(TokenTree::Ident(name)) => {
                    let (Some(TokenTree::Punct(colon)), Some(TokenTree::Ident(kind))) =
                        (matcher.get(m + 2), matcher.get(m + 3))
                    else {
                        return Err(format!("the matcher `${name}` has no fragment kind"));
                    };
                    if colon.as_char() != ':' {
                        return Err(format!("the matcher `${name}` has no fragment kind"));
                    }
                    let Some(end) = fragment(&kind.to_string(), input, pos)? else {
                        return Ok(None);
                    };
                    bindings.insert(name.to_string(), Capture::One(input[pos..end].to_vec()));
                    pos = end;
                    m += 4;
                }
                Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                    let (separator, op, used) = repetition(&matcher[m + 2..])?;
                    let mut runs: Vec<Bindings> = Vec::new();
                    loop {
                        let mut at = pos;
                        if !runs.is_empty() {
                            if let Some(sep) = &separator {
                                if !matches!(input.get(at), Some(t) if same(t, sep)) {
                                    break;
                                }
                                at += 1;
                            }
                        }
                        let mut run = Bindings::new();
                        match match_seq(&inner, input, at, &mut run)? {
                            Some(end) if end > at || !inner.is_empty() => {
                                if end == at {
                                    break;
                                }
                                runs.push(run);
                                pos = end;
                            }
                            _ => break,
                        }
                        if op == '?' {
                            break;
                        }
                    }
                    if op == '+' && runs.is_empty() {
                        return Ok(None);
                    }
                    for name in names_in(&inner) {
                        let seq = runs
                            .iter()
                            .map(|run| {
                                let mut one = Bindings::new();
                                if let Some(c) = run.get(&name) {
                                    one.insert(name.clone(), c.clone());
                                }
                                one
                            })
                            .collect();
                        bindings.insert(name, Capture::Seq(seq));
                    }
                    m += 2 + used;
                }
                _ => {
                    return Err(
                        "a `$` in the matcher that is neither `$name:kind` nor `$(...)`".into(),
                    )
                }
            },
            TokenTree::Group(group) => {
                let Some(TokenTree::Group(given)) = input.get(pos) else {
                    return Ok(None);
                };
                if given.delimiter() != group.delimiter() {
                    return Ok(None);
                }
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                let given_inner: Vec<TokenTree> = given.stream().into_iter().collect();
                match match_seq(&inner, &given_inner, 0, bindings)? {
                    Some(end) if end == given_inner.len() => {}
                    _ => return Ok(None),
                }
                pos += 1;
                m += 1;
            }
            literal => {
                if !matches!(input.get(pos), Some(t) if same(t, literal)) {
                    return Ok(None);
                }
                pos += 1;
                m += 1;
            }
        }
    }
    Ok(Some(pos))
}

/// After `$( ... )`: the separator, the operator and how many tokens they took.
fn repetition(rest: &[TokenTree]) -> Result<(Option<TokenTree>, char, usize), String> {
    let op = |t: Option<&TokenTree>| match t {
        Some(TokenTree::Punct(p)) if matches!(p.as_char(), '*' | '+' | '?') => Some(p.as_char()),
        _ => None,
    };
    if let Some(c) = op(rest.first()) {
        return Ok((None, c, 1));
    }
    match (rest.first(), op(rest.get(1))) {
        (Some(sep), Some(c)) => Ok((Some(sep.clone()), c, 2)),
        _ => Err("a repetition without `*`, `+` or `?`".into()),
    }
}

/// Every `$name` in a matcher or transcriber, at any depth.
fn names_in(tokens: &[TokenTree]) -> Vec<String> {
    let mut names = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Punct(p) if p.as_char() == '$' => {
                if let Some(TokenTree::Ident(name)) = tokens.get(i + 1) {
                    if name != "crate" && !names.contains(&name.to_string()) {
                        names.push(name.to_string());
                    }
                }
            }
            TokenTree::Group(g) => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                for name in names_in(&inner) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    names
}

fn same(a: &TokenTree, b: &TokenTree) -> bool {
    match (a, b) {
        (TokenTree::Ident(x), TokenTree::Ident(y)) => x == y,
        (TokenTree::Punct(x), TokenTree::Punct(y)) => x.as_char() == y.as_char(),
        (TokenTree::Literal(x), TokenTree::Literal(y)) => x.to_string() == y.to_string(),
        (TokenTree::Group(x), TokenTree::Group(y)) => {
            x.delimiter() == y.delimiter() && x.stream().to_string() == y.stream().to_string()
        }
        _ => false,
    }
}

/// Where a fragment of `kind` starting at `pos` ends, if one does.
fn fragment(kind: &str, input: &[TokenTree], pos: usize) -> Result<Option<usize>, String> {
    let at = |i: usize| input.get(i);
    Ok(match kind {
        "ident" => matches!(at(pos), Some(TokenTree::Ident(_))).then_some(pos + 1),
        "tt" => at(pos).is_some().then_some(pos + 1),
        "lifetime" => match (at(pos), at(pos + 1)) {
            (Some(TokenTree::Punct(p)), Some(TokenTree::Ident(_))) if p.as_char() == '\'' => {
                Some(pos + 2)
            }
            _ => None,
        },
        "literal" => match at(pos) {
            Some(TokenTree::Literal(_)) => Some(pos + 1),
            Some(TokenTree::Punct(p)) if p.as_char() == '-' => {
                matches!(at(pos + 1), Some(TokenTree::Literal(_))).then_some(pos + 2)
            }
            Some(TokenTree::Ident(i)) if i == "true" || i == "false" => Some(pos + 1),
            _ => None,
        },
        "ty" => parsed_len::<syn::Type>(input, pos),
        "path" => parsed_len::<syn::TypePath>(input, pos),
        "expr" => parsed_len::<syn::Expr>(input, pos),
        "block" => parsed_len::<syn::Block>(input, pos),
        "item" => parsed_len::<syn::Item>(input, pos),
        "stmt" => parsed_len::<syn::Stmt>(input, pos),
        "vis" => parsed_len::<syn::Visibility>(input, pos),
        "meta" => parsed_len::<syn::Meta>(input, pos),
        "pat" | "pat_param" => prefix_len(input, pos, |s| {
            syn::Pat::parse_single(s).map(|p| p.to_token_stream())
        }),
        other => return Err(format!("the fragment kind `{other}` is not supported")),
    })
}

fn parsed_len<T: syn::parse::Parse + ToTokens>(input: &[TokenTree], pos: usize) -> Option<usize> {
    prefix_len(input, pos, |s| s.parse::<T>().map(|t| t.to_token_stream()))
}

/// How many token trees a parser consumes from `input[pos..]`.
fn prefix_len(
    input: &[TokenTree],
    pos: usize,
    parse: impl Fn(ParseStream<'_>) -> syn::Result<TokenStream>,
) -> Option<usize> {
    let stream: TokenStream = input[pos..].iter().cloned().collect();
    let rest = (|s: ParseStream<'_>| {
        parse(s)?;
        s.parse::<TokenStream>()
    })
    .parse2(stream)
    .ok()?;
    let left = rest.into_iter().count();
    Some(input.len() - left)
}

/// Writes the transcriber with `bindings`; `seq` holds the bindings of the
/// repetitions being transcribed, innermost last.
fn transcribe(
    tokens: &[TokenTree],
    bindings: &Bindings,
    seq: &[&Bindings],
    out: &mut Vec<TokenTree>,
) -> Result<(), String> {
    let lookup = |name: &str| -> Option<&Capture> {
        seq.iter()
            .rev()
            .find_map(|b| b.get(name))
            .or_else(|| bindings.get(name))
    };
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Punct(p) if p.as_char() == '$' => match tokens.get(i + 1) {
                Some(TokenTree::Ident(name)) if name == "crate" => {
                    out.push(TokenTree::Ident(Ident::new("crate", name.span())));
                    i += 2;
                }
                Some(TokenTree::Ident(name)) => {
                    match lookup(&name.to_string()) {
                        Some(Capture::One(tokens)) => {
                            // A single token stands as it is; a parsed
                            // fragment stays one unit, as rustc keeps it.
                            if tokens.len() == 1 {
                                out.extend(tokens.iter().cloned());
                            } else {
                                out.push(TokenTree::Group(Group::new(
                                    Delimiter::None,
                                    tokens.iter().cloned().collect(),
                                )));
                            }
                        }
                        Some(Capture::Seq(_)) => {
                            return Err(format!("`${name}` is used outside its repetition"))
                        }
                        None => {
                            out.push(tokens[i].clone());
                            out.push(tokens[i + 1].clone());
                        }
                    }
                    i += 2;
                }
                Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                    let (separator, _, used) = repetition(&tokens[i + 2..])?;
                    let runs: Vec<&Vec<Bindings>> = names_in(&inner)
                        .iter()
                        .filter_map(|n| match lookup(n) {
                            Some(Capture::Seq(runs)) => Some(runs),
                            _ => None,
                        })
                        .collect();
                    let Some(count) = runs.first().map(|r| r.len()) else {
                        return Err(
                            "a repetition in the transcriber that repeats no variable".into()
                        );
                    };
                    if runs.iter().any(|r| r.len() != count) {
                        return Err("variables repeat a different number of times".into());
                    }
                    for k in 0..count {
                        if k > 0 {
                            out.extend(separator.clone());
                        }
                        let mut merged = Bindings::new();
                        for run in &runs {
                            merged.extend(run[k].iter().map(|(n, c)| (n.clone(), c.clone())));
                        }
                        let mut nested: Vec<&Bindings> = seq.to_vec();
                        nested.push(&merged);
                        transcribe(&inner, bindings, &nested, out)?;
                    }
                    i += 2 + used;
                }
                _ => {
                    out.push(tokens[i].clone());
                    i += 1;
                }
            },
            TokenTree::Group(group) => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                let mut written = Vec::new();
                transcribe(&inner, bindings, seq, &mut written)?;
                let mut new = Group::new(group.delimiter(), written.into_iter().collect());
                new.set_span(group.span());
                out.push(TokenTree::Group(new));
                i += 1;
            }
            other => {
                out.push(other.clone());
                i += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_text(def: &str, call: &str) -> Result<String, String> {
        let rules = rules(def.parse().unwrap())?;
        expand(&rules, call.parse().unwrap()).map(|t| t.to_string())
    }

    #[test]
    fn one_impl_per_invocation_and_repetitions() {
        let def = "($name:ident) => { impl Agent for $name { fn step(&self) {} } };";
        let out = expand_text(def, "Alpha").unwrap();
        assert!(out.contains("impl Agent for Alpha"), "{out}");
        let def = "($($t:ty),* $(,)?) => { $(impl Agent for $t {})* };";
        let out = expand_text(def, "A, b::B<u8>, C,").unwrap();
        assert_eq!(out.matches("impl Agent for").count(), 3, "{out}");
        assert!(out.contains("b :: B < u8 >"), "{out}");
    }

    #[test]
    fn second_rule_and_literals() {
        let def = "(native $n:ident) => { struct $n; }; (sync $n:ident) => { enum $n {} };";
        assert!(expand_text(def, "sync X").unwrap().contains("enum X"));
        assert!(expand_text(def, "native Y").unwrap().contains("struct Y"));
        assert!(expand_text(def, "other Z").is_err());
    }

    #[test]
    fn a_macro_that_doubles_itself_stops_at_the_budget() {
        let text = "macro_rules! grow { ($($t:tt)*) => { grow!($($t)* $($t)*); }; }\ngrow!(a);\n";
        let empty = crate::model::FileFacts::empty(
            "grow.rs".into(),
            crate::model::Language::Rust,
            String::new(),
        );
        let started = std::time::Instant::now();
        let facts = super::super::from_text(empty, text);
        let calls = &facts.rust.as_ref().unwrap().macro_calls;
        assert!(
            calls.iter().any(|c| c
                .unexpanded
                .as_deref()
                .is_some_and(|r| r.contains("tokens"))),
            "{calls:?}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn size_counts_every_token_and_depth() {
        let (count, depth) = size(&"a (b [c]) d".parse().unwrap());
        assert_eq!((count, depth), (6, 3));
    }

    #[test]
    fn names_written_without_variables() {
        let def = "($e:expr_2021) => { pub struct Made; impl Agent for Made {} \
                   impl $crate::Agent for crate::x::Fixed where T: for<'a> Fn(&'a u8) {} \
                   impl Agent for $t {} fn f() { for x in y {} } };";
        let (defined, implemented) = written_names(&rules(def.parse().unwrap()).unwrap());
        assert_eq!(defined, ["Made"]);
        assert_eq!(implemented, ["Made", "Fixed"]);
    }

    #[test]
    fn hostile_definitions_and_calls_never_panic() {
        let defs = [
            "($) => {};",
            "($x:) => {};",
            "($x) => {};",
            "($()) => {};",
            "($($x:tt)) => {};",
            "($($x:tt)*) => { $($x)+ $x };",
            "() => { $($y)* };",
            "($x:ident) => { $( $x )* };",
            "($($a:ident)* ; $($b:ident)*) => { $($a $b)* };",
            "(x) => {} junk",
            "=> {}",
        ];
        let calls = ["", "a", "a b ; c", "$", "(((", "1 2 3", "; ;"];
        for def in defs {
            let Ok(stream) = def.parse::<TokenStream>() else {
                continue;
            };
            let Ok(rules) = rules(stream) else {
                continue;
            };
            let _ = written_names(&rules);
            for call in calls {
                if let Ok(input) = call.parse::<TokenStream>() {
                    let _ = expand(&rules, input);
                }
            }
        }
    }

    #[test]
    fn unsupported_fragment_is_a_reason() {
        let def = "($x:weird) => {};";
        let error = expand_text(def, "a").unwrap_err();
        assert!(error.contains("weird"), "{error}");
    }
}
